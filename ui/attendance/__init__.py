"""The attendance screens (考勤): punches, leave, 补签, approvals, monthly sheet, imports, 查岗, 空岗."""
