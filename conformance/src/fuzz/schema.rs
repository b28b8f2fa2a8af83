//! The demo warehouse's tables as the query generator sees them.

/// The types the generator builds expressions of, with PostgreSQL's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    Int4,
    Int8,
    Float8,
    Numeric,
    Text,
    Bool,
    Date,
    Timestamp,
    Interval,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Int4 => "int4",
            Ty::Int8 => "int8",
            Ty::Float8 => "float8",
            Ty::Numeric => "numeric",
            Ty::Text => "text",
            Ty::Bool => "bool",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
            Ty::Interval => "interval",
        }
    }

    pub fn is_number(self) -> bool {
        matches!(self, Ty::Int4 | Ty::Int8 | Ty::Float8 | Ty::Numeric)
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Ty::Int4 | Ty::Int8)
    }

    /// Types whose values order (min/max, comparisons, ORDER BY).
    pub fn is_ordered(self) -> bool {
        !matches!(self, Ty::Interval)
    }
}

/// A table of the demo warehouse.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Ty)],
}

pub const VITALS: Table = Table {
    name: "silver.vitals",
    columns: &[
        ("reading_id", Ty::Int8),
        ("patient_id", Ty::Int4),
        ("device_id", Ty::Text),
        ("recorded_at", Ty::Timestamp),
        ("day", Ty::Date),
        ("heart_rate", Ty::Int4),
        ("spo2", Ty::Float8),
        ("systolic", Ty::Int4),
        ("diastolic", Ty::Int4),
        ("temperature_c", Ty::Float8),
        ("quality", Ty::Text),
    ],
};

pub const PATIENTS: Table = Table {
    name: "silver.patients",
    columns: &[
        ("patient_id", Ty::Int4),
        ("name", Ty::Text),
        ("birth_date", Ty::Date),
        ("sex", Ty::Text),
        ("ward", Ty::Text),
        ("admitted_at", Ty::Timestamp),
        ("discharged_at", Ty::Timestamp),
    ],
};

pub const DEVICES: Table = Table {
    name: "silver.devices",
    columns: &[
        ("device_id", Ty::Text),
        ("model", Ty::Text),
        ("ward", Ty::Text),
        ("installed_on", Ty::Date),
    ],
};

pub const HOURLY: Table = Table {
    name: "gold.vitals_hourly",
    columns: &[
        ("patient_id", Ty::Int4),
        ("hour", Ty::Timestamp),
        ("readings", Ty::Int8),
        ("hr_avg", Ty::Float8),
        ("hr_min", Ty::Int4),
        ("hr_max", Ty::Int4),
        ("spo2_min", Ty::Float8),
        ("anomalies", Ty::Int8),
    ],
};

pub const RAW: Table = Table {
    name: "bronze.vitals_raw",
    columns: &[
        ("event_id", Ty::Int8),
        ("device_id", Ty::Text),
        ("patient_id", Ty::Int4),
        ("recorded_at", Ty::Text),
        ("heart_rate", Ty::Text),
        ("spo2", Ty::Text),
        ("received_at", Ty::Timestamp),
    ],
};

pub const TABLES: [Table; 5] = [VITALS, PATIENTS, DEVICES, HOURLY, RAW];

/// Join keys between tables: (left table, left column, right table, right column).
pub const KEYS: &[(&str, &str, &str, &str)] = &[
    (
        "silver.vitals",
        "patient_id",
        "silver.patients",
        "patient_id",
    ),
    ("silver.vitals", "device_id", "silver.devices", "device_id"),
    ("silver.patients", "ward", "silver.devices", "ward"),
    (
        "gold.vitals_hourly",
        "patient_id",
        "silver.patients",
        "patient_id",
    ),
    (
        "bronze.vitals_raw",
        "patient_id",
        "silver.patients",
        "patient_id",
    ),
    (
        "bronze.vitals_raw",
        "device_id",
        "silver.devices",
        "device_id",
    ),
];
