# The GFMD writes day, month, year (UN style), not Django's American "Dec. 2, 2026".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
