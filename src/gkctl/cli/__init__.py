"""The command line: typer apps, rich output, exit codes. Thin: parse, call a service, render."""
