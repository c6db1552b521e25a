"""Evidence from Terraform plans: read a plan, bind its resources to components, cross-check.

The stages, in the order data flows through them:

    plan.py        read ``terraform show -json`` output (standard library only); refuse what is
                   not a plan, naming what it is
    address.py     parse resource addresses and the ``[*]`` patterns of ``iac:`` bindings
    mapping.py     the provider mapping (YAML data under ``mappings/``), validated by pydantic
    extract.py     a resource's values -> contract facts, normalized (TLS1_0, "7776000s", 0)
    crosscheck.py  bind components to resources, compare facts with the description, and adjust
                   the findings of an evaluation (contradicted, filled, unknown, unclaimed)
    locate.py      the ``.tf`` file and line of a resource (optional extra ``hcl``)
    scaffold.py    ``fedcheck init --from-plan``
"""
