"""The workflow runtime around SpiffWorkflow: deployment, instances, human tasks, assignment,
rules, the scripting sandbox, timers, outbox and audit. Never sees HTTP or domain tables."""
