"""Why a lifecycle-hook run failed: evidence gathered read-only, checks, findings matched against the knowledge
base, and the safe fixes."""
