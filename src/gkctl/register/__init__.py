"""The 依申请公开 register: applications and appeals as plain data, their deadlines, fees and rules.

``model`` is dataclasses and constants only; ``deadlines`` and ``rules`` are functions that take
the model, so nothing here imports in a circle. Nothing here knows git.
"""
