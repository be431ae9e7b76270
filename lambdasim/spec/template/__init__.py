"""SAM and CloudFormation templates as scenarios: ``from_template(path, workloads, parameters)``.

A template is decoded with cfn-lint (YAML or JSON, short-form tags), a SAM template is
expanded with aws-sam-translator into the CloudFormation AWS would deploy, intrinsic functions
are resolved offline (parameters, conditions, references between resources), and each Lambda
function, event source mapping, notification, subscription, rule, schedule, API route and
function URL becomes part of a :class:`~lambdasim.spec.Scenario`. What a template leaves out
takes AWS's default as deployed, written out field by field; what lambdasim does not model is
named in ``warnings``, one line each; ``mapping`` has one row per template resource.

Both libraries are the optional ``templates`` extra (``pip install 'lambdasim[templates]'``);
without it, reading a template raises a :class:`TemplateError` saying so. Nothing is deployed
and nothing goes to the network.
"""

from __future__ import annotations

from .read import EXTRA_HINT, TemplateError, is_template

_LAZY = {"TemplateImport": "importer", "from_template": "importer",
         "DEFAULT_WORKLOAD": "workloads"}


def __getattr__(name: str):
    """The importer loads on first use: reading a scenario (``lambdasim validate``) does not
    pay for it."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["DEFAULT_WORKLOAD", "EXTRA_HINT", "TemplateError", "TemplateImport",
           "from_template", "is_template"]
