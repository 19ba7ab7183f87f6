//! The deck as the server and clients use it, once a file has been checked, and how an item looks on the wire.

use serde::{Deserialize, Serialize};

use crate::fit::Shape;
use crate::tally::MinGroup;
use crate::view::{ItemKind, ItemView, OptionView, ScenarioSummary};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deck {
    pub id: String,
    pub title: String,
    pub language: String,
    pub description: String,
    pub items: Vec<Item>,
    /// **(addition)** The smallest group whose result is shown in sessions on this deck (3–10;
    /// `min_group` in the file). A session may raise it, never lower it.
    #[serde(default, skip_serializing_if = "MinGroup::is_default")]
    pub min_group: MinGroup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub themes: Vec<String>,
    pub body: ItemBody,
    /// What the item asks of a player besides the answer (a dilemma's; the facilitator can change it).
    #[serde(default, skip_serializing_if = "Asks::is_none")]
    pub asks: Asks,
    /// A statement the facilitator typed during the session (a statement from the room).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_room: bool,
}

/// What a player is asked besides their answer: a guess of the room's result, a reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asks {
    /// After answering, guess what share of the room chose the first option.
    #[serde(default)]
    pub predict: bool,
    /// After answering, add a short anonymous reason.
    #[serde(default)]
    pub reasons: bool,
}

impl Asks {
    pub fn is_none(&self) -> bool {
        !self.predict && !self.reasons
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemBody {
    /// `fits` has the result shapes each prompt suits, one list per prompt, or is empty when no
    /// prompt is tagged.
    Dilemma {
        statement: String,
        options: Vec<Choice>,
        prompts: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fits: Vec<Vec<Shape>>,
    },
    Sketch(Sketch),
    /// An open question for the conversation: shown to everyone, nothing to choose; the
    /// facilitator has prompts beside it.
    Question {
        question: String,
        prompts: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fits: Vec<Vec<Shape>>,
    },
}

/// An "Acteren via B" scene: a situation for the audience, roles with private briefings, a countdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sketch {
    pub title: String,
    pub situation: String,
    pub essence: String,
    pub roles: Vec<SketchRole>,
    pub duration_s: u32,
    pub questions: Vec<String>,
    pub follow_up: Option<FollowUp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SketchRole {
    pub name: String,
    pub briefing: String,
}

/// A statement the room answers after a sketch, like a dilemma.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub statement: String,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

/// eens / oneens / hangt ervan af, labelled in the deck's language. The ids stay the same in
/// every language so that results of a Dutch and an English deck can be put side by side.
pub fn default_options(language: &str) -> Vec<Choice> {
    let labels = match language {
        "nl" => ["Eens", "Oneens", "Hangt ervan af"],
        _ => ["Agree", "Disagree", "It depends"],
    };
    ["eens", "oneens", "hangt_af"]
        .into_iter()
        .zip(labels)
        .map(|(id, label)| Choice { id: id.to_owned(), label: label.to_owned() })
        .collect()
}

impl Deck {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The themes of item `id`, or none (no item, or one this deck lacks): what an agreement about it carries.
    pub fn themes_of(&self, id: Option<&str>) -> Vec<String> {
        id.and_then(|id| self.item(id)).map(|i| i.themes.clone()).unwrap_or_default()
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    pub fn summary(&self) -> ScenarioSummary {
        ScenarioSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            language: self.language.clone(),
            items: self.items.len(),
            sketches: self.items.iter().filter(|i| i.sketch().is_some()).count(),
            description: self.description.clone(),
            themes: self
                .items
                .iter()
                .flat_map(|i| i.themes.iter().cloned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

impl Item {
    pub fn kind(&self) -> ItemKind {
        match self.body {
            ItemBody::Dilemma { .. } => ItemKind::Dilemma,
            ItemBody::Sketch(_) => ItemKind::Sketch,
            ItemBody::Question { .. } => ItemKind::Question,
        }
    }

    /// The statement the room answers (a dilemma's, or a sketch's follow-up), or an open question.
    pub fn statement(&self) -> Option<&str> {
        match &self.body {
            ItemBody::Dilemma { statement, .. } => Some(statement),
            ItemBody::Sketch(s) => s.follow_up.as_ref().map(|f| f.statement.as_str()),
            ItemBody::Question { question, .. } => Some(question),
        }
    }

    /// The options one can answer with; empty for a sketch without a follow-up statement.
    pub fn options(&self) -> &[Choice] {
        match &self.body {
            ItemBody::Dilemma { options, .. } => options,
            ItemBody::Sketch(s) => s.follow_up.as_ref().map_or(&[], |f| &f.options),
            ItemBody::Question { .. } => &[],
        }
    }

    /// Its options as the wire carries them.
    pub fn option_views(&self) -> Vec<OptionView> {
        self.options().iter().map(|c| OptionView { id: c.id.clone(), label: c.label.clone() }).collect()
    }

    pub fn option_ids(&self) -> Vec<&str> {
        self.options().iter().map(|c| c.id.as_str()).collect()
    }

    pub fn sketch(&self) -> Option<&Sketch> {
        match &self.body {
            ItemBody::Sketch(s) => Some(s),
            ItemBody::Dilemma { .. } | ItemBody::Question { .. } => None,
        }
    }

    /// The facilitator's questions: a dilemma's prompts, or a sketch's discussion questions.
    pub fn prompts(&self) -> &[String] {
        match &self.body {
            ItemBody::Dilemma { prompts, .. } | ItemBody::Question { prompts, .. } => prompts,
            ItemBody::Sketch(s) => &s.questions,
        }
    }

    /// The result shapes each prompt suits (see [`crate::fit`]); empty when none is tagged.
    pub fn prompt_fits(&self) -> &[Vec<Shape>] {
        match &self.body {
            ItemBody::Dilemma { fits, .. } | ItemBody::Question { fits, .. } => fits,
            ItemBody::Sketch(_) => &[],
        }
    }

    /// The item as sent on the wire; only the facilitator's copy carries `prompts`.
    pub fn view(&self, facilitator: bool) -> ItemView {
        let sketch = self.sketch();
        ItemView {
            id: self.id.clone(),
            kind: self.kind(),
            title: sketch.map(|s| s.title.clone()),
            situation: sketch.map(|s| s.situation.clone()),
            roles: sketch.map(|s| s.roles.iter().map(|r| r.name.clone()).collect()).unwrap_or_default(),
            duration_s: sketch.map(|s| s.duration_s),
            statement: self.statement().map(str::to_owned),
            options: self.option_views(),
            questions: sketch.map(|s| s.questions.clone()).unwrap_or_default(),
            themes: self.themes.clone(),
            prompts: facilitator.then(|| self.prompts().to_vec()),
            prompt_fits: if facilitator { self.prompt_fits().to_vec() } else { Vec::new() },
            predict: self.asks.predict,
            reasons: self.asks.reasons,
            from_room: self.from_room,
            played: false,
        }
    }
}
