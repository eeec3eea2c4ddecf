"""Pure computations of the domain: money, scores, panels, status rules, dates, rankings. No
database, no engine, no records: plain values in, plain values out, unit-tested without a
database. The code that writes records (budget.shared and the process packages) calls these."""
