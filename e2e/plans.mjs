// Plans the browser tests import, shared by the files that use them.

// Alpha -> Bravo -> Charlie is the critical path (Bravo starts on Monday 2027-03-08); Delta
// runs beside it with float. The timeline tests drag Bravo.
export const DRAG_PLAN = `
[project]
name = "Drag test"
start = 2027-03-01

[tasks.alpha]
name = "Alpha"
duration = "5d"

[tasks.bravo]
name = "Bravo"
duration = "3d"
after = ["alpha"]

[tasks.charlie]
name = "Charlie"
duration = "2d"
after = ["bravo"]

[tasks.delta]
name = "Delta"
duration = "2d"
`;
