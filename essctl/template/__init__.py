"""OOS templates: their model, where they come from, the parameters a hook passes them, and what they need."""
