// The board page's script.
