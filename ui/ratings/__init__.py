"""评价 screens for staff: the 差评整改 list and steps, appeals, the hall's rating figures."""
