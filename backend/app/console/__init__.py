"""The console (坐席与承办部门工作台): server-rendered pages, sessions, assist view, reports."""
