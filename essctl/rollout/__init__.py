"""Rolling updates of the instances already in a scaling group: the documented ACS-ESS-RollingUpdateBy* OOS
templates (engine "oos") or ESS's own instance refresh (engine "instance-refresh"), planned, started after
confirmation, watched batch by batch, paused, resumed, cancelled and rolled back."""
