"""Ledgers (views.md §7.1 V-02 工作台账, V-04 逾期清单, V-10 整改台账; §7.2 X-05): read side only,
every row within the viewer's data scope and readable as of a past day (docs/design.md "Ledgers")."""
