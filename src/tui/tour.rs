//! `apportion demo --tour`: a guided walk through the story for presenting
//! offline. Each step opens a page at the right place; one line of narration,
//! drawn from what is on screen, says what to look at. Space goes on,
//! Backspace goes back, q leaves the tour and keeps exploring.

use super::app::{App, Hierarchy, Page, Request, SpikesState, TaggingState, UnitCostState};
use super::page::bill::BillState;
use crate::money::{Money, percent};
use crate::report::{fit, per_units, signed_usd, usd};

/// The story, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The bill by AWS product: how much is EC2.
    Bill,
    /// EC2 by product area: which teams.
    Teams,
    /// One team's EC2: ECS instances split across services.
    EcsSplit,
    /// The largest change of the month and what drove it.
    Spike,
    /// Coverage, and the untagged rows to chase to 90%.
    Tagging,
    /// What 1M more API calls cost.
    UnitCost,
    /// The invoice by kind of charge: every dollar reaches a team.
    Invoice,
}

pub const STEPS: [Step; 7] = [
    Step::Bill,
    Step::Teams,
    Step::EcsSplit,
    Step::Spike,
    Step::Tagging,
    Step::UnitCost,
    Step::Invoice,
];

#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    pub at: usize,
}

impl Tour {
    pub fn start() -> Tour {
        Tour { at: 0 }
    }

    pub fn step(&self) -> Step {
        STEPS[self.at.min(STEPS.len() - 1)]
    }
}

impl App {
    /// Put the screen where the current step wants it.
    pub(super) fn enter_tour_step(&mut self) -> Vec<Request> {
        let Some(tour) = &self.tour else { return Vec::new() };
        match tour.step() {
            Step::Bill => self.explorer_at_depth(0),
            Step::Teams => self.explorer_at_depth(1),
            Step::EcsSplit => self.explorer_at_depth(2),
            Step::Spike => self.show(Page::Spikes(SpikesState::default())),
            Step::Tagging => self.show(Page::Tagging(TaggingState::default())),
            Step::UnitCost => self.show(Page::UnitCosts(UnitCostState::default())),
            Step::Invoice => self.show(Page::Bill(BillState::default())),
        }
    }

    pub(super) fn move_tour(&mut self, forward: bool) -> Vec<Request> {
        let Some(tour) = &mut self.tour else { return Vec::new() };
        let next = if forward { tour.at + 1 } else { tour.at.wrapping_sub(1) };
        if next >= STEPS.len() {
            self.status = if forward {
                "the end of the tour: q leaves it and keeps exploring"
            } else {
                "the first step"
            }
            .to_owned();
            return Vec::new();
        }
        tour.at = next;
        self.enter_tour_step()
    }

    /// The explorer (product first) `depth` levels down, each level into its
    /// largest row, once the level above has its rows.
    fn explorer_at_depth(&mut self, depth: usize) -> Vec<Request> {
        self.page = Page::Explorer;
        let e = &mut self.explorer;
        if e.hierarchy != Hierarchy::ProductFirst {
            return self.open_explorer_at(Hierarchy::ProductFirst, Vec::new());
        }
        if e.stack.len() > depth + 1 {
            e.stack.truncate(depth + 1);
            e.view_mut().list.select(0);
            return self.selection_requests();
        }
        if e.stack.len() == depth {
            let largest = e.visible_rows_with("").first().map(|r| r.name.clone());
            let Some(name) = largest else {
                self.status = "still loading: press Space again".to_owned();
                return Vec::new();
            };
            let mut requests = self.select_named(&name);
            requests.extend(self.update_explorer(super::app::Action::Drill));
            return requests;
        }
        Vec::new()
    }

    /// What the current step shows, in a sentence (the status shows it over two
    /// lines, with the tour's keys under it).
    pub fn tour_narration(&self) -> Option<String> {
        let tour = self.tour.as_ref()?;
        let step = format!("tour {}/{}: ", tour.at + 1, STEPS.len());
        let month = self.month().unwrap_or_default();
        let text = match (tour.step(), &self.page) {
            (Step::Bill, Page::Explorer) => {
                let rows = self.visible_rows();
                let total = self.explorer.total();
                rows.first().map(|r| {
                    format!(
                        "{} is {} of the {month} bill of {}",
                        r.name,
                        percent(r.cost.as_f64(), total.as_f64()),
                        usd(total)
                    )
                })
            }
            (Step::Teams, Page::Explorer) => {
                let product = self
                    .explorer
                    .view()
                    .path
                    .first()
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                self.visible_rows().first().map(|r| {
                    format!(
                        "which teams: {} has {} of {product}, from tags, rules and ECS splits",
                        r.name,
                        percent(r.cost.as_f64(), self.explorer.total().as_f64())
                    )
                })
            }
            (Step::EcsSplit, Page::Explorer) => self.visible_rows().iter().find(|r| r.is_service).map(|r| {
                format!(
                    "ECS instances are split by their tasks' CPU-seconds: service {} comes to {}",
                    r.name,
                    usd(r.cost)
                )
            }),
            (Step::Spike, Page::Spikes(s)) => s.spikes.ready().and_then(|x| {
                let spike = x.spikes.first()?;
                let drivers: Vec<&str> = spike.drivers.iter().take(2).map(|(d, _)| d.as_str()).collect();
                Some(format!(
                    "{} spends {} more on {} than in {}, driven by {}",
                    spike.area,
                    signed_usd(spike.current - spike.previous),
                    spike.product,
                    x.previous.as_deref().unwrap_or("the month before"),
                    drivers.join(" and ")
                ))
            }),
            (Step::Tagging, Page::Tagging(t)) => t.covered().map(|c| {
                format!(
                    "tags and rules cover {}: give the top untagged rows an area (Enter) to pass 90%",
                    percent(c, 1.0)
                )
            }),
            (Step::UnitCost, Page::UnitCosts(u)) => u.rows.ready().and_then(|rows| {
                let points: Vec<(f64, f64)> = rows
                    .iter()
                    .filter(|r| r.metric == "api_calls" && r.area.is_none())
                    .map(|r| (r.volume, r.cost.as_f64()))
                    .collect();
                let f = fit(&points)?;
                let more = f.variable * 1_000_000.0;
                Some(format!(
                    "1M more API calls cost about {} a month ({}); for a 30% margin charge at least {}",
                    usd(Money::estimate(more)),
                    per_units(f.variable, 1.0),
                    usd(Money::estimate(more / 0.7))
                ))
            }),
            (Step::Invoice, Page::Bill(b)) => b.bill.ready().map(|bill| {
                let shared: Money = bill.rows.iter().map(|r| r.by_split).sum();
                let left: Money = bill.rows.iter().map(|r| r.unallocated).sum();
                format!(
                    "every dollar of the invoice reaches a team: {} of support, tax, discounts and idle shared \
                     out by splits, {} still unallocated",
                    usd(shared),
                    usd(left)
                )
            }),
            _ => None,
        };
        Some(format!("{step}{}", text.unwrap_or_else(|| "loading…".to_owned())))
    }
}
