"""The diagram redraw of tools/redraw_bpmn.py: `layout` (lanes as rows, columns by flow order,
tracks), `routing` (right-angled edges round the shapes), `labels` (places that cover nothing)."""
