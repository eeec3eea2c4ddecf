"""The workflow runtime around SpiffWorkflow, in wings (engine/README.md): deployment, instances,
human tasks, assignment, rules, the scripting sandbox, timers, outbox and audit. Never sees HTTP
or domain tables."""
