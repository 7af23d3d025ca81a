"""What every other room stands on: errors, messages, findings, YAML, documents, policy, calendar, rules.

Nothing here knows git, history or the register; nothing here prints.
"""
