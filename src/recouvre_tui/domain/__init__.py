"""Pure rules: no I/O, no SQL, no Textual. Every clock-dependent function takes `now`/`today`."""
