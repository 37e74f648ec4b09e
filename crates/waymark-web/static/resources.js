// The resources page's script.
