"""The agent's full-screen Textual interface (French UI, keyboard first).

Layout (Posting-style feature folders): `app.py` (the App, `run_app`), `backend.py` (the only
door to the services, called from thread workers), `messages.py` (typed messages the workers
post back), and one folder per screen: `welcome/`, `queue/`, `case/`, `outcome/`, `help/`.
"""
