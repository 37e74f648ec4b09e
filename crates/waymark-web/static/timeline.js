// The timeline page's script.
