//! `[risks.ID]`: probability, affected tasks, a factor or delay, owner, response and status.

use super::suggest::did_you_mean;
use super::{Context, Member, Reader, Section};
use rustc_hash::FxHashMap;
use waymark_core::{ResourceId, Risk, RiskResponse, RiskStatus, TaskId};

pub(super) const RISK_KEYS: &[&str] = &[
    "title",
    "probability",
    "tasks",
    "factor",
    "delay",
    "owner",
    "response",
    "status",
];

impl<'s> Reader<'s> {
    pub(super) fn read_risks(
        &mut self,
        section: Option<&Section<'_>>,
        context: &Context<'_>,
        task_ids: &FxHashMap<&str, usize>,
    ) -> Vec<Risk> {
        let members = self.members(section, "risk", RISK_KEYS);
        let mut risks = Vec::with_capacity(members.len());
        for Member { id, at, fields, .. } in members {
            let owner = &fields.context;
            let mut risk = Risk {
                id: id.to_string(),
                title: id.to_string(),
                probability: 0.0,
                tasks: Vec::new(),
                factor: None,
                delay: None,
                owner: None,
                response: None,
                status: RiskStatus::Open,
                location: self.location(at),
            };
            if let Some(title) = self.string(&fields, "title", "a string") {
                risk.title = title.value.to_string();
            }
            match self.number(&fields, "probability", "a number from 0 to 1, e.g. 0.3") {
                Some(p) if (0.0..=1.0).contains(&p.value) => risk.probability = p.value,
                Some(p) => self.error(
                    "out-of-range",
                    p.at,
                    format!(
                        "`probability` of {owner} must be from 0 to 1 (0.3 = 30 %), found {}",
                        p.value
                    ),
                ),
                None if fields.get("probability").is_none() => {
                    let at = self.missing(at, "probability");
                    self.error(
                        "missing-key",
                        at,
                        format!("{owner} has no `probability`; add one from 0 to 1, e.g. `probability = 0.3`"),
                    );
                }
                None => {}
            }
            if let Some(list) =
                self.strings(&fields, "tasks", "a list of task ids like [\"build-api\"]")
            {
                for task in list {
                    match task_ids.get(task.value) {
                        Some(&index) => risk.tasks.push(TaskId(index)),
                        None => {
                            let hint = did_you_mean(task.value, task_ids.keys().copied());
                            self.error(
                                "unknown-task",
                                task.at,
                                format!(
                                    "{owner} affects task `{}`, which does not exist{hint}",
                                    task.value
                                ),
                            );
                        }
                    }
                }
            }
            if let Some(elements) =
                self.array(&fields, "factor", "three numbers like [1.1, 1.3, 2.0]")
            {
                let factor_at = fields.get("factor").map(|e| e.node.at);
                let numbers: Vec<f64> = elements
                    .iter()
                    .filter_map(|(value, at)| {
                        self.number_of(value, *at, "factor", owner, "a number like 1.3")
                    })
                    .map(|number| number.value)
                    .collect();
                match numbers.as_slice() {
                    [low, likely, high] if numbers.len() == elements.len() => {
                        if *low <= 0.0 {
                            self.error(
                                "out-of-range",
                                factor_at,
                                format!("`factor` of {owner} must be more than 0"),
                            );
                        } else if !(low <= likely && likely <= high) {
                            self.error(
                                "three-point-order",
                                factor_at,
                                format!("`factor` of {owner} must be in the order optimistic <= most likely <= pessimistic, found {low}, {likely}, {high}"),
                            );
                        } else {
                            risk.factor = Some([*low, *likely, *high]);
                        }
                    }
                    _ if numbers.len() == elements.len() => self.wrong_type(
                        "factor",
                        owner,
                        "three numbers like [1.1, 1.3, 2.0]",
                        &format!("{} values", elements.len()),
                        factor_at,
                    ),
                    _ => {}
                }
            }
            let expected = "three durations like [\"2d\", \"5d\", \"10d\"]";
            if let Some(delay) = self.three_durations(&fields, "delay", expected, &context.scale) {
                risk.delay = Some(delay.value);
            }
            if let Some(name) = self.string(&fields, "owner", "the id of a resource, e.g. \"ana\"")
            {
                match context.resource_ids.get(name.value) {
                    Some(&index) => risk.owner = Some(ResourceId(index)),
                    None => {
                        let hint = did_you_mean(name.value, context.resource_ids.keys().copied());
                        self.error(
                            "unknown-resource",
                            name.at,
                            format!(
                                "{owner} is owned by `{}`, which is not a resource{hint}",
                                name.value
                            ),
                        );
                    }
                }
            }
            if let Some(text) = self.string(
                &fields,
                "response",
                "one of \"avoid\", \"mitigate\", \"transfer\", \"accept\"",
            ) {
                let options = ["avoid", "mitigate", "transfer", "accept"];
                risk.response = match text.value.to_ascii_lowercase().as_str() {
                    "avoid" => Some(RiskResponse::Avoid),
                    "mitigate" => Some(RiskResponse::Mitigate),
                    "transfer" => Some(RiskResponse::Transfer),
                    "accept" => Some(RiskResponse::Accept),
                    other => {
                        let hint = did_you_mean(other, options);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!("unknown response `{}` in {owner}: use avoid, mitigate, transfer or accept{hint}", text.value),
                        );
                        None
                    }
                };
            }
            if let Some(text) = self.string(&fields, "status", "\"open\" or \"closed\"") {
                let options = ["open", "closed"];
                match text.value.to_ascii_lowercase().as_str() {
                    "open" => risk.status = RiskStatus::Open,
                    "closed" => risk.status = RiskStatus::Closed,
                    other => {
                        let hint = did_you_mean(other, options);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!(
                                "unknown status `{}` in {owner}: use open or closed{hint}",
                                text.value
                            ),
                        );
                    }
                }
            }
            risks.push(risk);
        }
        risks
    }
}
