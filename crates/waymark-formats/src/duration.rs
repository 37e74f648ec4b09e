//! Duration text (`5d`, `3.5h`, `2w`, `4ed`).
