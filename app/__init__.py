"""Qt-free domain and use cases of Counter Desk (窗口工作台)."""
