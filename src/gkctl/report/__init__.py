"""The yearly paperwork: the national annual report (2021 format), the audit and the assessment.

Counting and rendering are separate: ``compute`` counts from the register and the publications,
``assemble`` builds the report, ``render`` prints it (``word`` as .docx, ``pdf`` through
LibreOffice or chromium); ``form`` is the 申请表; ``audit`` and ``assess`` judge a year.
"""
