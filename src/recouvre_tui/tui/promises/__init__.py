"""« Promesses » : the promises due today, missed, upcoming and kept this week, with their detail
(instalments, payments and how they were allocated) and cancellation with a reason.

Open from the welcome screen (o), the command palette or `app.action_promises`. An agent sees
the promises of their portfolio and of the pool, a lead everyone's (the service decides).
"""
