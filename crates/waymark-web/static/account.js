// The account page's script.
