// The transfer page's script.
