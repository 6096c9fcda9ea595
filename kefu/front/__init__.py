"""Kefu's web front: layout, navigation, login, shared template includes and CSS.

Translation workflow (每个应用各自维护译文)
------------------------------------------------
1. Write every user-visible string in English, through Django's i18n:
   ``{% translate "Complaints" %}`` / ``{% blocktranslate %}`` in templates,
   ``gettext`` / ``gettext_lazy`` (imported as ``_``) in Python.
2. Each app keeps its own catalogue in ``<app>/locale/zh_Hans/LC_MESSAGES/django.po``
   (Django's directory name for the ``zh-hans`` language is ``zh_Hans``).
   Extract new strings from inside the app, so apps never touch each other's files::

       cd kefu/<app> && ../../.venv/bin/kefu makemessages -l zh_Hans --no-obsolete

3. Translate the new ``msgstr`` entries into Simplified Chinese, then compile::

       cd kefu/<app> && ../../.venv/bin/kefu compilemessages      # or: make messages

4. Commit both the ``.po`` and the compiled ``.mo``: installations need no gettext tools.

Simplified Chinese is the default language (``LANGUAGE_CODE = "zh-hans"``); English is
available through the language switcher in the top bar (Django's ``set_language`` view).
"""
