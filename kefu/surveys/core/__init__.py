"""Django-free cores of the survey app: who is asked (``rules``) and the SERVQUAL arithmetic (``stats``)."""
