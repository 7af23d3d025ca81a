"""The audit trail in git: running git, reading history, checking signatures, deciding which commits count.

``gitutil`` is the only module that runs git. ``trust`` owns the order of trust decisions
(signature → signer → role under the parent's policy); ``workflow`` folds the trusted commits
into document states and publications. Nothing here knows the applications register.
"""
