"""What leadership and each role see first: the frames behind the dashboards, the national
platforms, the home pages, and their chart builders."""
