"""Importing the desk a team leaves: Zendesk (its REST API), Zammad (its REST API) and
CSV, into caredesk's cases through caredesk's own actions (docs/import.md)."""
