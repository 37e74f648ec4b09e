//! Charts as SVG and reports; pure.
