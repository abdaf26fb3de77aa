"""The demo help desk behind ``caredesk demo``: people, the seed stories, generated cases.

Every case is written through the case actions (``caredesk.tickets.actions``), so the demo
data has the same audit trail as real data; only the people (staff, teams, organizations,
customers) are set up directly, as ``caredesk createadmin`` does.
"""
