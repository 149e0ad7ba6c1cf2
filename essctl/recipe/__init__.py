"""Recipes: a lifecycle hook, the OOS template it runs, the policy that template needs, and a trigger; loaded from
YAML, planned as typed steps against the cloud, applied, watched and torn down."""
