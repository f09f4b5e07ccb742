"""授权 (a 首席代表 or administrator acting for one action at this PC) and greying what one may not do."""
