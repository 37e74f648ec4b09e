//! The fast path of the simulation: when every task runs on one calendar and the plan has no
//! elapsed lags, actuals, manual tasks or upper-bound constraints, one iteration is a forward
//! and a backward pass over a fixed topological order in the calendar's working-time
//! coordinate (plain integer additions), instead of the full scheduler with its calendar
//! arithmetic. It computes exactly what `schedule_with` computes for those plans (a test holds
//! the two paths equal), only much faster.

use crate::calendar::WorkCalendar;
use crate::model::{ConstraintKind, Lag, LinkKind, Plan};
use crate::schedule::{roll_up, Graph, TaskCalendars};

pub(crate) struct Kernel<'a> {
    plan: &'a Plan,
    graph: Graph,
    order: Vec<usize>,
    pub(crate) calendar: &'a WorkCalendar,
    start: i64,
    lower_start: Vec<i64>,
    lower_finish: Vec<i64>,
    deadline: Vec<i64>,
    late_limit_cap: i64,
    es: Vec<i64>,
    ef: Vec<i64>,
    min_ef: Vec<i64>,
    start_bound: Vec<i64>,
    finish_bound: Vec<i64>,
    ls: Vec<i64>,
    lf: Vec<i64>,
    min_lf: Vec<i64>,
    late_start_bound: Vec<i64>,
    late_finish_bound: Vec<i64>,
}

impl<'a> Kernel<'a> {
    /// The kernel for a plan, or `None` when the plan needs the full scheduler.
    pub(crate) fn new(plan: &'a Plan, calendars: &'a TaskCalendars) -> Option<Kernel<'a>> {
        let first = *calendars.of_task.first()?;
        if calendars.of_task.iter().any(|&c| c != first) {
            return None;
        }
        if plan.links.iter().any(|l| matches!(l.lag, Lag::Elapsed(_))) {
            return None;
        }
        let simple = plan.tasks.iter().all(|t| {
            t.actual_start.is_none()
                && t.actual_finish.is_none()
                && t.manual.is_none()
                && t.constraints.iter().all(|c| {
                    matches!(
                        c.kind,
                        ConstraintKind::StartNoEarlierThan | ConstraintKind::FinishNoEarlierThan
                    )
                })
        });
        if !simple {
            return None;
        }
        let graph = Graph::new(plan);
        let order = graph.order().ok()?;
        let calendar = &calendars.calendars[first];
        let n = plan.tasks.len();
        let mut start = calendar.w(plan.project.start);
        if let Some(status) = plan.project.status_date {
            start = start.max(calendar.w(status));
        }
        let mut lower_start = vec![i64::MIN; n];
        let mut lower_finish = vec![i64::MIN; n];
        let mut deadline = vec![i64::MAX; n];
        for (index, task) in plan.tasks.iter().enumerate() {
            for constraint in &task.constraints {
                let w = calendar.w(constraint.date);
                match constraint.kind {
                    ConstraintKind::StartNoEarlierThan => {
                        lower_start[index] = lower_start[index].max(w)
                    }
                    _ => lower_finish[index] = lower_finish[index].max(w),
                }
            }
            if let Some(d) = task.deadline {
                deadline[index] = calendar.w(d);
            }
        }
        let late_limit_cap = plan.project.deadline.map_or(i64::MAX, |d| calendar.w(d));
        Some(Kernel {
            plan,
            graph,
            order,
            calendar,
            start,
            lower_start,
            lower_finish,
            deadline,
            late_limit_cap,
            es: vec![0; n],
            ef: vec![0; n],
            min_ef: vec![0; n],
            start_bound: vec![0; n],
            finish_bound: vec![0; n],
            ls: vec![0; n],
            lf: vec![0; n],
            min_lf: vec![0; n],
            late_start_bound: vec![0; n],
            late_finish_bound: vec![0; n],
        })
    }

    fn lag(&self, lag: Lag, predecessor_minutes: i64) -> i64 {
        match lag {
            Lag::Working(m) | Lag::Elapsed(m) => m,
            Lag::Percent(share) => (share * predecessor_minutes as f64).round() as i64,
        }
    }

    /// One iteration: the project finish (working-time coordinate) and, in `critical`, which
    /// tasks are critical.
    pub(crate) fn run(&mut self, minutes: &[i64], critical: &mut [bool]) -> i64 {
        let n = self.plan.tasks.len();
        let summary = &self.graph.summary;
        for index in 0..self.order.len() {
            let node = self.order[index];
            if node >= n {
                let task = node - n;
                (self.es[task], self.ef[task], self.min_ef[task]) = roll_up(
                    self.graph.children.of(task),
                    summary,
                    (&self.es, &self.ef, &self.min_ef),
                    self.start,
                );
                continue;
            }
            let task = node;
            let mut cs = self.start.max(self.lower_start[task]);
            let mut cf = self.lower_finish[task];
            if let Some(parent) = self.plan.tasks[task].parent {
                cs = cs.max(self.start_bound[parent.0]);
                cf = cf.max(self.finish_bound[parent.0]);
            }
            for &link_index in self.graph.incoming.of(task) {
                let link = &self.plan.links[link_index];
                let p = link.predecessor.0;
                let lag = self.lag(link.lag, minutes[p]);
                match link.kind {
                    LinkKind::FinishToStart => cs = cs.max(self.ef[p] + lag),
                    LinkKind::StartToStart => cs = cs.max(self.es[p] + lag),
                    LinkKind::FinishToFinish => cf = cf.max(self.ef[p] + lag),
                    LinkKind::StartToFinish => cf = cf.max(self.es[p] + lag),
                }
            }
            if summary[task] {
                self.start_bound[task] = cs;
                self.finish_bound[task] = cf;
                continue;
            }
            let length = minutes[task];
            let (mut es, mut ef) = (cs, cs + length);
            if cf > ef {
                ef = cf;
                es = cf - length;
            }
            self.es[task] = es;
            self.ef[task] = ef;
        }
        let finish = (0..n)
            .filter(|&t| !summary[t])
            .map(|t| self.ef[t])
            .max()
            .unwrap_or(self.start);
        let late_limit = finish.min(self.late_limit_cap);
        for index in (0..self.order.len()).rev() {
            let node = self.order[index];
            let task = node % n;
            if summary[task] && node < n {
                (self.ls[task], self.lf[task], self.min_lf[task]) = roll_up(
                    self.graph.children.of(task),
                    summary,
                    (&self.ls, &self.lf, &self.min_lf),
                    late_limit,
                );
                continue;
            }
            let mut cf = late_limit;
            let mut cs = i64::MAX;
            if let Some(parent) = self.plan.tasks[task].parent {
                cf = cf.min(self.late_finish_bound[parent.0]);
                if self.es[task] <= self.es[parent.0] {
                    cs = cs.min(self.late_start_bound[parent.0]);
                }
            }
            for &link_index in self.graph.outgoing.of(task) {
                let link = &self.plan.links[link_index];
                let s = link.successor.0;
                let lag = self.lag(link.lag, minutes[task]);
                let s_finish = if summary[s] {
                    self.min_lf[s]
                } else {
                    self.lf[s]
                };
                match link.kind {
                    LinkKind::FinishToStart => cf = cf.min(self.ls[s] - lag),
                    LinkKind::StartToStart => cs = cs.min(self.ls[s] - lag),
                    LinkKind::FinishToFinish => cf = cf.min(s_finish - lag),
                    LinkKind::StartToFinish => cs = cs.min(s_finish - lag),
                }
            }
            cf = cf.min(self.deadline[task]);
            if summary[task] {
                self.late_finish_bound[task] = cf;
                self.late_start_bound[task] = cs;
                continue;
            }
            let length = minutes[task];
            let (mut ls, mut lf) = (cf - length, cf);
            if cs < ls {
                ls = cs;
                lf = cs + length;
            }
            self.ls[task] = ls;
            self.lf[task] = lf;
        }
        for task in 0..n {
            critical[task] = !summary[task]
                && (self.ls[task] - self.es[task]).min(self.lf[task] - self.ef[task]) <= 0
                && self.plan.tasks[task].progress < 1.0;
        }
        for task in (0..n).rev() {
            if let (Some(parent), true) = (self.plan.tasks[task].parent, critical[task]) {
                critical[parent.0] = true;
            }
        }
        finish
    }
}
