"""Strategy families. Each file is a complete candidate on its own: it is copied as the
job's strategy.py, so it imports only numpy and pandas. GRID is a literal (the worker
reads it with ast.literal_eval and never imports these files: strategy code only runs in
the sandbox). signal() sees bars up to and including bar t when it decides bar t."""
