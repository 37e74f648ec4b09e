// The tasks page's script.
