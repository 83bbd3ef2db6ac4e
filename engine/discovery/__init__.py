"""Strategy discovery: candidates (code + parameters) fanned out as child workflows, each
backtested in a sandbox, fanned in to a ranked table. Strategy code never runs here."""
