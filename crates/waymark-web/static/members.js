// The members page's script.
