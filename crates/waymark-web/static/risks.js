// The risks page's script.
