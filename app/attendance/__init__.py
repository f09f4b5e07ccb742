"""Staff attendance at the hall (考勤): schedules, punches, leave, 补签, AB岗 posts, 空岗, 查岗, monthly sheets."""
