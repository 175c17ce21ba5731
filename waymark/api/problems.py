from rest_framework.views import exception_handler


def problem_exception_handler(exc, context):
    """Placeholder: replaced by the RFC 9457 handler."""
    return exception_handler(exc, context)
