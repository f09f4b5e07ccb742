"""The applicant's rating of each case (好差评), the 差评 closed loop (差评整改) and appeals (申诉复核)."""
