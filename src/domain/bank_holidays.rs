//! UK bank holidays by region: the official gov.uk dates as a literal table, and a rule-based
//! projection for the years gov.uk has not published yet.
//!
//! Official dates (2015 up to [`LAST_OFFICIAL_YEAR`]) come from the table below, transcribed from
//! `https://www.gov.uk/bank-holidays.json`, including substitute days and one-off holidays. Later
//! years, up to [`LAST_YEAR`], are projected from the standing rules ([`projected_bank_holidays`]).
//! A test checks that the rules reproduce every official year apart from the known one-offs, so a
//! projected year is as trustworthy as rules can make it; a one-off announced later (a jubilee, a
//! state funeral) is added through a calendar correction until this table is updated.
//!
//! Names follow gov.uk's titles; a substitute day carries gov.uk's "Substitute day" note in its name,
//! e.g. "Boxing Day (substitute day)", so a reader sees why a Monday 28 December is a holiday.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// First year for which bank holidays are known.
pub const FIRST_YEAR: i32 = 2015;
/// Last year for which bank holidays are known (official or projected).
pub const LAST_YEAR: i32 = 2040;
/// Last year gov.uk publishes for every region; the years after it are projected.
pub const LAST_OFFICIAL_YEAR: i32 = 2028;

/// A part of the UK with its own bank holidays.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// England and Wales (the default for the service).
    EnglandAndWales,
    /// Scotland: 2 January, first Monday of August, St Andrew's Day; no Easter Monday.
    Scotland,
    /// Northern Ireland: St Patrick's Day and the Battle of the Boyne.
    NorthernIreland,
}

impl Region {
    /// Every region, in a stable order.
    pub const ALL: [Region; 3] = [
        Region::EnglandAndWales,
        Region::Scotland,
        Region::NorthernIreland,
    ];

    /// Reads a region from its snake_case name (`england_and_wales`, `scotland`,
    /// `northern_ireland`). Surrounding spaces and letter case are ignored, and gov.uk's own
    /// division names (`england-and-wales`, `northern-ireland`) are accepted too.
    pub fn parse(text: &str) -> Option<Region> {
        let normalised = text.trim().to_ascii_lowercase().replace('-', "_");
        Region::ALL
            .into_iter()
            .find(|region| region.as_str() == normalised)
    }

    /// The snake_case name, as used in settings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::EnglandAndWales => "england_and_wales",
            Region::Scotland => "scotland",
            Region::NorthernIreland => "northern_ireland",
        }
    }

    /// Last year whose dates come from the official gov.uk list for this region.
    pub fn last_official_year(self) -> i32 {
        LAST_OFFICIAL_YEAR
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bank holiday: the day it is taken (a substitute day where the holiday itself falls at a
/// weekend) and its gov.uk title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// gov.uk's title, with " (substitute day)" where gov.uk notes a substitute day.
    pub name: &'static str,
}

/// Where a year's bank holidays come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidaySource {
    /// The official gov.uk list.
    Official,
    /// Projected from the standing rules; one-off holidays cannot be foreseen.
    Projected,
}

/// Whether a year's dates for `region` are official or projected; `None` outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn holiday_source(region: Region, year: i32) -> Option<HolidaySource> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        None
    } else if year <= region.last_official_year() {
        Some(HolidaySource::Official)
    } else {
        Some(HolidaySource::Projected)
    }
}

/// The bank holidays of `region` in `year`, in date order: the official dates up to
/// [`LAST_OFFICIAL_YEAR`], projected ones after it, `None` outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn bank_holidays(region: Region, year: i32) -> Option<Vec<BankHoliday>> {
    match holiday_source(region, year)? {
        HolidaySource::Official => Some(official_bank_holidays(region, year)),
        HolidaySource::Projected => projected_bank_holidays(region, year),
    }
}

/// The bank holidays the standing rules give for `region` in `year` (no one-offs), for any year in
/// [`FIRST_YEAR`]..=[`LAST_YEAR`]. [`bank_holidays`] uses this only after the official list ends;
/// it is public so the projection can be compared with the official years.
pub fn projected_bank_holidays(region: Region, year: i32) -> Option<Vec<BankHoliday>> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return None;
    }
    project(region, year)
}

/// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

// gov.uk titles. The apostrophes are gov.uk's (U+2019).
const NEW_YEAR: &str = "New Year’s Day";
const NEW_YEAR_SUB: &str = "New Year’s Day (substitute day)";
const SECOND_JANUARY: &str = "2nd January";
const SECOND_JANUARY_SUB: &str = "2nd January (substitute day)";
const ST_PATRICK: &str = "St Patrick’s Day";
const ST_PATRICK_SUB: &str = "St Patrick’s Day (substitute day)";
const GOOD_FRIDAY: &str = "Good Friday";
const EASTER_MONDAY: &str = "Easter Monday";
const EARLY_MAY: &str = "Early May bank holiday";
const EARLY_MAY_VE_DAY: &str = "Early May bank holiday (VE day)";
const CORONATION: &str = "Bank holiday for the coronation of King Charles III";
const SPRING: &str = "Spring bank holiday";
const PLATINUM_JUBILEE: &str = "Platinum Jubilee bank holiday";
const WORLD_CUP: &str = "World Cup bank holiday";
const BOYNE: &str = "Battle of the Boyne (Orangemen’s Day)";
const BOYNE_SUB: &str = "Battle of the Boyne (Orangemen’s Day) (substitute day)";
const SUMMER: &str = "Summer bank holiday";
const STATE_FUNERAL: &str = "Bank Holiday for the State Funeral of Queen Elizabeth II";
const ST_ANDREW: &str = "St Andrew’s Day";
const ST_ANDREW_SUB: &str = "St Andrew’s Day (substitute day)";
const CHRISTMAS: &str = "Christmas Day";
const CHRISTMAS_SUB: &str = "Christmas Day (substitute day)";
const BOXING: &str = "Boxing Day";
const BOXING_SUB: &str = "Boxing Day (substitute day)";

/// (year, month, day, title)
type Row = (i32, u32, u32, &'static str);

// Official dates, transcribed from https://www.gov.uk/bank-holidays.json. gov.uk keeps about ten
// years in the file, so 2015-2018 come from copies of the file vendored in public repositories
// at the time (HTenkanen/transx2gtfs data/bank-holidays.json, 2012-2020 edition), 2019-2027 from
// dmossop/bank-holidays-data bank-holidays.json, and 2028 (plus Scotland's 2026 World Cup bank
// holiday) from the current edition as vendored in Free-Scrum-Help/Scrum-Tools bank-holidays.json.
const OFFICIAL_ENGLAND_AND_WALES: &[Row] = &[
    (2015, 1, 1, NEW_YEAR),
    (2015, 4, 3, GOOD_FRIDAY),
    (2015, 4, 6, EASTER_MONDAY),
    (2015, 5, 4, EARLY_MAY),
    (2015, 5, 25, SPRING),
    (2015, 8, 31, SUMMER),
    (2015, 12, 25, CHRISTMAS),
    (2015, 12, 28, BOXING_SUB),
    (2016, 1, 1, NEW_YEAR),
    (2016, 3, 25, GOOD_FRIDAY),
    (2016, 3, 28, EASTER_MONDAY),
    (2016, 5, 2, EARLY_MAY),
    (2016, 5, 30, SPRING),
    (2016, 8, 29, SUMMER),
    (2016, 12, 26, BOXING),
    (2016, 12, 27, CHRISTMAS_SUB),
    (2017, 1, 2, NEW_YEAR_SUB),
    (2017, 4, 14, GOOD_FRIDAY),
    (2017, 4, 17, EASTER_MONDAY),
    (2017, 5, 1, EARLY_MAY),
    (2017, 5, 29, SPRING),
    (2017, 8, 28, SUMMER),
    (2017, 12, 25, CHRISTMAS),
    (2017, 12, 26, BOXING),
    (2018, 1, 1, NEW_YEAR),
    (2018, 3, 30, GOOD_FRIDAY),
    (2018, 4, 2, EASTER_MONDAY),
    (2018, 5, 7, EARLY_MAY),
    (2018, 5, 28, SPRING),
    (2018, 8, 27, SUMMER),
    (2018, 12, 25, CHRISTMAS),
    (2018, 12, 26, BOXING),
    (2019, 1, 1, NEW_YEAR),
    (2019, 4, 19, GOOD_FRIDAY),
    (2019, 4, 22, EASTER_MONDAY),
    (2019, 5, 6, EARLY_MAY),
    (2019, 5, 27, SPRING),
    (2019, 8, 26, SUMMER),
    (2019, 12, 25, CHRISTMAS),
    (2019, 12, 26, BOXING),
    (2020, 1, 1, NEW_YEAR),
    (2020, 4, 10, GOOD_FRIDAY),
    (2020, 4, 13, EASTER_MONDAY),
    (2020, 5, 8, EARLY_MAY_VE_DAY),
    (2020, 5, 25, SPRING),
    (2020, 8, 31, SUMMER),
    (2020, 12, 25, CHRISTMAS),
    (2020, 12, 28, BOXING_SUB),
    (2021, 1, 1, NEW_YEAR),
    (2021, 4, 2, GOOD_FRIDAY),
    (2021, 4, 5, EASTER_MONDAY),
    (2021, 5, 3, EARLY_MAY),
    (2021, 5, 31, SPRING),
    (2021, 8, 30, SUMMER),
    (2021, 12, 27, CHRISTMAS_SUB),
    (2021, 12, 28, BOXING_SUB),
    (2022, 1, 3, NEW_YEAR_SUB),
    (2022, 4, 15, GOOD_FRIDAY),
    (2022, 4, 18, EASTER_MONDAY),
    (2022, 5, 2, EARLY_MAY),
    (2022, 6, 2, SPRING),
    (2022, 6, 3, PLATINUM_JUBILEE),
    (2022, 8, 29, SUMMER),
    (2022, 9, 19, STATE_FUNERAL),
    (2022, 12, 26, BOXING),
    (2022, 12, 27, CHRISTMAS_SUB),
    (2023, 1, 2, NEW_YEAR_SUB),
    (2023, 4, 7, GOOD_FRIDAY),
    (2023, 4, 10, EASTER_MONDAY),
    (2023, 5, 1, EARLY_MAY),
    (2023, 5, 8, CORONATION),
    (2023, 5, 29, SPRING),
    (2023, 8, 28, SUMMER),
    (2023, 12, 25, CHRISTMAS),
    (2023, 12, 26, BOXING),
    (2024, 1, 1, NEW_YEAR),
    (2024, 3, 29, GOOD_FRIDAY),
    (2024, 4, 1, EASTER_MONDAY),
    (2024, 5, 6, EARLY_MAY),
    (2024, 5, 27, SPRING),
    (2024, 8, 26, SUMMER),
    (2024, 12, 25, CHRISTMAS),
    (2024, 12, 26, BOXING),
    (2025, 1, 1, NEW_YEAR),
    (2025, 4, 18, GOOD_FRIDAY),
    (2025, 4, 21, EASTER_MONDAY),
    (2025, 5, 5, EARLY_MAY),
    (2025, 5, 26, SPRING),
    (2025, 8, 25, SUMMER),
    (2025, 12, 25, CHRISTMAS),
    (2025, 12, 26, BOXING),
    (2026, 1, 1, NEW_YEAR),
    (2026, 4, 3, GOOD_FRIDAY),
    (2026, 4, 6, EASTER_MONDAY),
    (2026, 5, 4, EARLY_MAY),
    (2026, 5, 25, SPRING),
    (2026, 8, 31, SUMMER),
    (2026, 12, 25, CHRISTMAS),
    (2026, 12, 28, BOXING_SUB),
    (2027, 1, 1, NEW_YEAR),
    (2027, 3, 26, GOOD_FRIDAY),
    (2027, 3, 29, EASTER_MONDAY),
    (2027, 5, 3, EARLY_MAY),
    (2027, 5, 31, SPRING),
    (2027, 8, 30, SUMMER),
    (2027, 12, 27, CHRISTMAS_SUB),
    (2027, 12, 28, BOXING_SUB),
    (2028, 1, 3, NEW_YEAR_SUB),
    (2028, 4, 14, GOOD_FRIDAY),
    (2028, 4, 17, EASTER_MONDAY),
    (2028, 5, 1, EARLY_MAY),
    (2028, 5, 29, SPRING),
    (2028, 8, 28, SUMMER),
    (2028, 12, 25, CHRISTMAS),
    (2028, 12, 26, BOXING),
];

const OFFICIAL_SCOTLAND: &[Row] = &[
    (2015, 1, 1, NEW_YEAR),
    (2015, 1, 2, SECOND_JANUARY),
    (2015, 4, 3, GOOD_FRIDAY),
    (2015, 5, 4, EARLY_MAY),
    (2015, 5, 25, SPRING),
    (2015, 8, 3, SUMMER),
    (2015, 11, 30, ST_ANDREW),
    (2015, 12, 25, CHRISTMAS),
    (2015, 12, 28, BOXING_SUB),
    (2016, 1, 1, NEW_YEAR),
    (2016, 1, 4, SECOND_JANUARY_SUB),
    (2016, 3, 25, GOOD_FRIDAY),
    (2016, 5, 2, EARLY_MAY),
    (2016, 5, 30, SPRING),
    (2016, 8, 1, SUMMER),
    (2016, 11, 30, ST_ANDREW),
    (2016, 12, 26, BOXING),
    (2016, 12, 27, CHRISTMAS_SUB),
    // gov.uk names 2 January 2017 "2nd January" and 3 January the New Year's Day substitute; in
    // 2023, the same weekday pattern, it names them the other way round (see the projection).
    (2017, 1, 2, SECOND_JANUARY),
    (2017, 1, 3, NEW_YEAR_SUB),
    (2017, 4, 14, GOOD_FRIDAY),
    (2017, 5, 1, EARLY_MAY),
    (2017, 5, 29, SPRING),
    (2017, 8, 7, SUMMER),
    (2017, 11, 30, ST_ANDREW),
    (2017, 12, 25, CHRISTMAS),
    (2017, 12, 26, BOXING),
    (2018, 1, 1, NEW_YEAR),
    (2018, 1, 2, SECOND_JANUARY),
    (2018, 3, 30, GOOD_FRIDAY),
    (2018, 5, 7, EARLY_MAY),
    (2018, 5, 28, SPRING),
    (2018, 8, 6, SUMMER),
    (2018, 11, 30, ST_ANDREW),
    (2018, 12, 25, CHRISTMAS),
    (2018, 12, 26, BOXING),
    (2019, 1, 1, NEW_YEAR),
    (2019, 1, 2, SECOND_JANUARY),
    (2019, 4, 19, GOOD_FRIDAY),
    (2019, 5, 6, EARLY_MAY),
    (2019, 5, 27, SPRING),
    (2019, 8, 5, SUMMER),
    (2019, 12, 2, ST_ANDREW_SUB),
    (2019, 12, 25, CHRISTMAS),
    (2019, 12, 26, BOXING),
    (2020, 1, 1, NEW_YEAR),
    (2020, 1, 2, SECOND_JANUARY),
    (2020, 4, 10, GOOD_FRIDAY),
    (2020, 5, 8, EARLY_MAY_VE_DAY),
    (2020, 5, 25, SPRING),
    (2020, 8, 3, SUMMER),
    (2020, 11, 30, ST_ANDREW),
    (2020, 12, 25, CHRISTMAS),
    (2020, 12, 28, BOXING_SUB),
    (2021, 1, 1, NEW_YEAR),
    (2021, 1, 4, SECOND_JANUARY_SUB),
    (2021, 4, 2, GOOD_FRIDAY),
    (2021, 5, 3, EARLY_MAY),
    (2021, 5, 31, SPRING),
    (2021, 8, 2, SUMMER),
    (2021, 11, 30, ST_ANDREW),
    (2021, 12, 27, CHRISTMAS_SUB),
    (2021, 12, 28, BOXING_SUB),
    (2022, 1, 3, NEW_YEAR_SUB),
    (2022, 1, 4, SECOND_JANUARY_SUB),
    (2022, 4, 15, GOOD_FRIDAY),
    (2022, 5, 2, EARLY_MAY),
    (2022, 6, 2, SPRING),
    (2022, 6, 3, PLATINUM_JUBILEE),
    (2022, 8, 1, SUMMER),
    (2022, 9, 19, STATE_FUNERAL),
    (2022, 11, 30, ST_ANDREW),
    (2022, 12, 26, BOXING),
    (2022, 12, 27, CHRISTMAS_SUB),
    (2023, 1, 2, NEW_YEAR_SUB),
    (2023, 1, 3, SECOND_JANUARY_SUB),
    (2023, 4, 7, GOOD_FRIDAY),
    (2023, 5, 1, EARLY_MAY),
    (2023, 5, 8, CORONATION),
    (2023, 5, 29, SPRING),
    (2023, 8, 7, SUMMER),
    (2023, 11, 30, ST_ANDREW),
    (2023, 12, 25, CHRISTMAS),
    (2023, 12, 26, BOXING),
    (2024, 1, 1, NEW_YEAR),
    (2024, 1, 2, SECOND_JANUARY),
    (2024, 3, 29, GOOD_FRIDAY),
    (2024, 5, 6, EARLY_MAY),
    (2024, 5, 27, SPRING),
    (2024, 8, 5, SUMMER),
    (2024, 12, 2, ST_ANDREW_SUB),
    (2024, 12, 25, CHRISTMAS),
    (2024, 12, 26, BOXING),
    (2025, 1, 1, NEW_YEAR),
    (2025, 1, 2, SECOND_JANUARY),
    (2025, 4, 18, GOOD_FRIDAY),
    (2025, 5, 5, EARLY_MAY),
    (2025, 5, 26, SPRING),
    (2025, 8, 4, SUMMER),
    (2025, 12, 1, ST_ANDREW_SUB),
    (2025, 12, 25, CHRISTMAS),
    (2025, 12, 26, BOXING),
    (2026, 1, 1, NEW_YEAR),
    (2026, 1, 2, SECOND_JANUARY),
    (2026, 4, 3, GOOD_FRIDAY),
    (2026, 5, 4, EARLY_MAY),
    (2026, 5, 25, SPRING),
    (2026, 6, 15, WORLD_CUP),
    (2026, 8, 3, SUMMER),
    (2026, 11, 30, ST_ANDREW),
    (2026, 12, 25, CHRISTMAS),
    (2026, 12, 28, BOXING_SUB),
    (2027, 1, 1, NEW_YEAR),
    (2027, 1, 4, SECOND_JANUARY_SUB),
    (2027, 3, 26, GOOD_FRIDAY),
    (2027, 5, 3, EARLY_MAY),
    (2027, 5, 31, SPRING),
    (2027, 8, 2, SUMMER),
    (2027, 11, 30, ST_ANDREW),
    (2027, 12, 27, CHRISTMAS_SUB),
    (2027, 12, 28, BOXING_SUB),
    (2028, 1, 3, NEW_YEAR_SUB),
    (2028, 1, 4, SECOND_JANUARY_SUB),
    (2028, 4, 14, GOOD_FRIDAY),
    (2028, 5, 1, EARLY_MAY),
    (2028, 5, 29, SPRING),
    (2028, 8, 7, SUMMER),
    (2028, 11, 30, ST_ANDREW),
    (2028, 12, 25, CHRISTMAS),
    (2028, 12, 26, BOXING),
];

const OFFICIAL_NORTHERN_IRELAND: &[Row] = &[
    (2015, 1, 1, NEW_YEAR),
    (2015, 3, 17, ST_PATRICK),
    (2015, 4, 3, GOOD_FRIDAY),
    (2015, 4, 6, EASTER_MONDAY),
    (2015, 5, 4, EARLY_MAY),
    (2015, 5, 25, SPRING),
    (2015, 7, 13, BOYNE_SUB),
    (2015, 8, 31, SUMMER),
    (2015, 12, 25, CHRISTMAS),
    (2015, 12, 28, BOXING_SUB),
    (2016, 1, 1, NEW_YEAR),
    (2016, 3, 17, ST_PATRICK),
    (2016, 3, 25, GOOD_FRIDAY),
    (2016, 3, 28, EASTER_MONDAY),
    (2016, 5, 2, EARLY_MAY),
    (2016, 5, 30, SPRING),
    (2016, 7, 12, BOYNE),
    (2016, 8, 29, SUMMER),
    (2016, 12, 26, BOXING),
    (2016, 12, 27, CHRISTMAS_SUB),
    (2017, 1, 2, NEW_YEAR_SUB),
    (2017, 3, 17, ST_PATRICK),
    (2017, 4, 14, GOOD_FRIDAY),
    (2017, 4, 17, EASTER_MONDAY),
    (2017, 5, 1, EARLY_MAY),
    (2017, 5, 29, SPRING),
    (2017, 7, 12, BOYNE),
    (2017, 8, 28, SUMMER),
    (2017, 12, 25, CHRISTMAS),
    (2017, 12, 26, BOXING),
    (2018, 1, 1, NEW_YEAR),
    (2018, 3, 19, ST_PATRICK_SUB),
    (2018, 3, 30, GOOD_FRIDAY),
    (2018, 4, 2, EASTER_MONDAY),
    (2018, 5, 7, EARLY_MAY),
    (2018, 5, 28, SPRING),
    (2018, 7, 12, BOYNE),
    (2018, 8, 27, SUMMER),
    (2018, 12, 25, CHRISTMAS),
    (2018, 12, 26, BOXING),
    (2019, 1, 1, NEW_YEAR),
    (2019, 3, 18, ST_PATRICK_SUB),
    (2019, 4, 19, GOOD_FRIDAY),
    (2019, 4, 22, EASTER_MONDAY),
    (2019, 5, 6, EARLY_MAY),
    (2019, 5, 27, SPRING),
    (2019, 7, 12, BOYNE),
    (2019, 8, 26, SUMMER),
    (2019, 12, 25, CHRISTMAS),
    (2019, 12, 26, BOXING),
    (2020, 1, 1, NEW_YEAR),
    (2020, 3, 17, ST_PATRICK),
    (2020, 4, 10, GOOD_FRIDAY),
    (2020, 4, 13, EASTER_MONDAY),
    (2020, 5, 8, EARLY_MAY_VE_DAY),
    (2020, 5, 25, SPRING),
    (2020, 7, 13, BOYNE_SUB),
    (2020, 8, 31, SUMMER),
    (2020, 12, 25, CHRISTMAS),
    (2020, 12, 28, BOXING_SUB),
    (2021, 1, 1, NEW_YEAR),
    (2021, 3, 17, ST_PATRICK),
    (2021, 4, 2, GOOD_FRIDAY),
    (2021, 4, 5, EASTER_MONDAY),
    (2021, 5, 3, EARLY_MAY),
    (2021, 5, 31, SPRING),
    (2021, 7, 12, BOYNE),
    (2021, 8, 30, SUMMER),
    (2021, 12, 27, CHRISTMAS_SUB),
    (2021, 12, 28, BOXING_SUB),
    (2022, 1, 3, NEW_YEAR_SUB),
    (2022, 3, 17, ST_PATRICK),
    (2022, 4, 15, GOOD_FRIDAY),
    (2022, 4, 18, EASTER_MONDAY),
    (2022, 5, 2, EARLY_MAY),
    (2022, 6, 2, SPRING),
    (2022, 6, 3, PLATINUM_JUBILEE),
    (2022, 7, 12, BOYNE),
    (2022, 8, 29, SUMMER),
    (2022, 9, 19, STATE_FUNERAL),
    (2022, 12, 26, BOXING),
    (2022, 12, 27, CHRISTMAS_SUB),
    (2023, 1, 2, NEW_YEAR_SUB),
    (2023, 3, 17, ST_PATRICK),
    (2023, 4, 7, GOOD_FRIDAY),
    (2023, 4, 10, EASTER_MONDAY),
    (2023, 5, 1, EARLY_MAY),
    (2023, 5, 8, CORONATION),
    (2023, 5, 29, SPRING),
    (2023, 7, 12, BOYNE),
    (2023, 8, 28, SUMMER),
    (2023, 12, 25, CHRISTMAS),
    (2023, 12, 26, BOXING),
    (2024, 1, 1, NEW_YEAR),
    (2024, 3, 18, ST_PATRICK_SUB),
    (2024, 3, 29, GOOD_FRIDAY),
    (2024, 4, 1, EASTER_MONDAY),
    (2024, 5, 6, EARLY_MAY),
    (2024, 5, 27, SPRING),
    (2024, 7, 12, BOYNE),
    (2024, 8, 26, SUMMER),
    (2024, 12, 25, CHRISTMAS),
    (2024, 12, 26, BOXING),
    (2025, 1, 1, NEW_YEAR),
    (2025, 3, 17, ST_PATRICK),
    (2025, 4, 18, GOOD_FRIDAY),
    (2025, 4, 21, EASTER_MONDAY),
    (2025, 5, 5, EARLY_MAY),
    (2025, 5, 26, SPRING),
    (2025, 7, 14, BOYNE_SUB),
    (2025, 8, 25, SUMMER),
    (2025, 12, 25, CHRISTMAS),
    (2025, 12, 26, BOXING),
    (2026, 1, 1, NEW_YEAR),
    (2026, 3, 17, ST_PATRICK),
    (2026, 4, 3, GOOD_FRIDAY),
    (2026, 4, 6, EASTER_MONDAY),
    (2026, 5, 4, EARLY_MAY),
    (2026, 5, 25, SPRING),
    (2026, 7, 13, BOYNE_SUB),
    (2026, 8, 31, SUMMER),
    (2026, 12, 25, CHRISTMAS),
    (2026, 12, 28, BOXING_SUB),
    (2027, 1, 1, NEW_YEAR),
    (2027, 3, 17, ST_PATRICK),
    (2027, 3, 26, GOOD_FRIDAY),
    (2027, 3, 29, EASTER_MONDAY),
    (2027, 5, 3, EARLY_MAY),
    (2027, 5, 31, SPRING),
    (2027, 7, 12, BOYNE),
    (2027, 8, 30, SUMMER),
    (2027, 12, 27, CHRISTMAS_SUB),
    (2027, 12, 28, BOXING_SUB),
    (2028, 1, 3, NEW_YEAR_SUB),
    (2028, 3, 17, ST_PATRICK),
    (2028, 4, 14, GOOD_FRIDAY),
    (2028, 4, 17, EASTER_MONDAY),
    (2028, 5, 1, EARLY_MAY),
    (2028, 5, 29, SPRING),
    (2028, 7, 12, BOYNE),
    (2028, 8, 28, SUMMER),
    (2028, 12, 25, CHRISTMAS),
    (2028, 12, 26, BOXING),
];

fn official_rows(region: Region) -> &'static [Row] {
    match region {
        Region::EnglandAndWales => OFFICIAL_ENGLAND_AND_WALES,
        Region::Scotland => OFFICIAL_SCOTLAND,
        Region::NorthernIreland => OFFICIAL_NORTHERN_IRELAND,
    }
}

fn official_bank_holidays(region: Region, year: i32) -> Vec<BankHoliday> {
    // Every row is a valid date (a test checks it), so filter_map drops nothing.
    let mut holidays: Vec<BankHoliday> = official_rows(region)
        .iter()
        .filter(|row| row.0 == year)
        .filter_map(|&(y, m, d, name)| {
            NaiveDate::from_ymd_opt(y, m, d).map(|date| BankHoliday { date, name })
        })
        .collect();
    holidays.sort();
    holidays
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `nth` (1-based) Monday of a month, or the last Monday when `nth` is 0.
fn monday_of(year: i32, month: u32, nth: u32) -> Option<NaiveDate> {
    if nth == 0 {
        let next_month_first = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = next_month_first.pred_opt()?;
        let back = last.weekday().num_days_from_monday();
        last.checked_sub_days(Days::new(u64::from(back)))
    } else {
        NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, u8::try_from(nth).ok()?)
    }
}

/// A holiday whose natural date may fall at a weekend: (natural date, title, substitute title).
type Movable = (NaiveDate, &'static str, &'static str);

/// How a group of adjacent movable holidays share out the following weekdays.
#[derive(Clone, Copy)]
enum Placement {
    /// Holidays already on a free weekday keep it; the others then take the next free weekdays
    /// in date order. gov.uk does this for Christmas and Boxing Day: Christmas on a Sunday gives
    /// Boxing Day on Monday 26th and the Christmas substitute on Tuesday 27th.
    WeekdaysFirst,
    /// Each holiday in date order takes the first free weekday from its date. This is how the
    /// Banking and Financial Dealings Act 1971 words Scotland's New Year, and how gov.uk names
    /// the days in 2023: 1 January on a Sunday gives New Year's Day (substitute) on Monday 2nd
    /// and 2nd January (substitute) on Tuesday 3rd.
    DateOrder,
}

fn next_free_weekday(mut date: NaiveDate, taken: &[BankHoliday]) -> NaiveDate {
    while is_weekend(date) || taken.iter().any(|holiday| holiday.date == date) {
        // Years are range-checked before projection, so this never leaves chrono's range.
        date = date + Days::new(1);
    }
    date
}

fn place(group: &[Movable], placement: Placement, out: &mut Vec<BankHoliday>) {
    let mut order: Vec<&Movable> = group.iter().collect();
    if let Placement::WeekdaysFirst = placement {
        // Stable sort: weekday holidays first, each part still in date order.
        order.sort_by_key(|(date, _, _)| is_weekend(*date));
    }
    for &(date, name, substitute_name) in order {
        let free = next_free_weekday(date, out);
        let name = if free == date { name } else { substitute_name };
        out.push(BankHoliday { date: free, name });
    }
}

fn project(region: Region, year: i32) -> Option<Vec<BankHoliday>> {
    let ymd = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let easter = easter_sunday(year)?;
    let mut out = Vec::with_capacity(12);

    // Days fixed to a weekday first, so the movable ones can see them.
    out.push(BankHoliday {
        date: easter.checked_sub_days(Days::new(2))?,
        name: GOOD_FRIDAY,
    });
    if region != Region::Scotland {
        out.push(BankHoliday {
            date: easter.checked_add_days(Days::new(1))?,
            name: EASTER_MONDAY,
        });
    }
    out.push(BankHoliday {
        date: monday_of(year, 5, 1)?,
        name: EARLY_MAY,
    });
    out.push(BankHoliday {
        date: monday_of(year, 5, 0)?,
        name: SPRING,
    });
    out.push(BankHoliday {
        date: if region == Region::Scotland {
            monday_of(year, 8, 1)?
        } else {
            monday_of(year, 8, 0)?
        },
        name: SUMMER,
    });

    // Then the days fixed to a date, which move to the next free weekday at a weekend.
    if region == Region::Scotland {
        place(
            &[
                (ymd(1, 1)?, NEW_YEAR, NEW_YEAR_SUB),
                (ymd(1, 2)?, SECOND_JANUARY, SECOND_JANUARY_SUB),
            ],
            Placement::DateOrder,
            &mut out,
        );
        place(
            &[(ymd(11, 30)?, ST_ANDREW, ST_ANDREW_SUB)],
            Placement::DateOrder,
            &mut out,
        );
    } else {
        place(
            &[(ymd(1, 1)?, NEW_YEAR, NEW_YEAR_SUB)],
            Placement::DateOrder,
            &mut out,
        );
    }
    if region == Region::NorthernIreland {
        place(
            &[(ymd(3, 17)?, ST_PATRICK, ST_PATRICK_SUB)],
            Placement::DateOrder,
            &mut out,
        );
        place(
            &[(ymd(7, 12)?, BOYNE, BOYNE_SUB)],
            Placement::DateOrder,
            &mut out,
        );
    }
    place(
        &[
            (ymd(12, 25)?, CHRISTMAS, CHRISTMAS_SUB),
            (ymd(12, 26)?, BOXING, BOXING_SUB),
        ],
        Placement::WeekdaysFirst,
        &mut out,
    );
    out.sort();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    // The independent check list: every bank holiday gov.uk publishes, per region and year, as
    // "MM-DD" lists. Source: https://www.gov.uk/bank-holidays.json. Typed separately from the
    // table above, from other vendored copies of that file: 2015-2016 from
    // zoeabryant/ma-ruby-challenge and plawtr/week-9-test, 2017 from HTenkanen/transx2gtfs, 2018
    // from tumux/calendar-app, 2019-2027 from dmossop/bank-holidays-data and 2028 from
    // Free-Scrum-Help/Scrum-Tools; 2019-2028 were also compared, date by date, with a second
    // vendored copy of the current edition (a working-day module whose author checked the 2026
    // World Cup holiday against gov.scot).
    const GOV_UK_ENGLAND_AND_WALES: &[(i32, &str)] = &[
        (2015, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
        (2016, "01-01 03-25 03-28 05-02 05-30 08-29 12-26 12-27"),
        (2017, "01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26"),
        (2018, "01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26"),
        (2019, "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26"),
        (2020, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28"),
        (2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28"),
        (
            2022,
            "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27",
        ),
        (
            2023,
            "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26",
        ),
        (2024, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26"),
        (2025, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26"),
        (2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
        (2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28"),
        (2028, "01-03 04-14 04-17 05-01 05-29 08-28 12-25 12-26"),
    ];

    const GOV_UK_SCOTLAND: &[(i32, &str)] = &[
        (
            2015,
            "01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-28",
        ),
        (
            2016,
            "01-01 01-04 03-25 05-02 05-30 08-01 11-30 12-26 12-27",
        ),
        (
            2017,
            "01-02 01-03 04-14 05-01 05-29 08-07 11-30 12-25 12-26",
        ),
        (
            2018,
            "01-01 01-02 03-30 05-07 05-28 08-06 11-30 12-25 12-26",
        ),
        (
            2019,
            "01-01 01-02 04-19 05-06 05-27 08-05 12-02 12-25 12-26",
        ),
        (
            2020,
            "01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28",
        ),
        (
            2021,
            "01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28",
        ),
        (
            2022,
            "01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27",
        ),
        (
            2023,
            "01-02 01-03 04-07 05-01 05-08 05-29 08-07 11-30 12-25 12-26",
        ),
        (
            2024,
            "01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26",
        ),
        (
            2025,
            "01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26",
        ),
        (
            2026,
            "01-01 01-02 04-03 05-04 05-25 06-15 08-03 11-30 12-25 12-28",
        ),
        (
            2027,
            "01-01 01-04 03-26 05-03 05-31 08-02 11-30 12-27 12-28",
        ),
        (
            2028,
            "01-03 01-04 04-14 05-01 05-29 08-07 11-30 12-25 12-26",
        ),
    ];

    const GOV_UK_NORTHERN_IRELAND: &[(i32, &str)] = &[
        (
            2015,
            "01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28",
        ),
        (
            2016,
            "01-01 03-17 03-25 03-28 05-02 05-30 07-12 08-29 12-26 12-27",
        ),
        (
            2017,
            "01-02 03-17 04-14 04-17 05-01 05-29 07-12 08-28 12-25 12-26",
        ),
        (
            2018,
            "01-01 03-19 03-30 04-02 05-07 05-28 07-12 08-27 12-25 12-26",
        ),
        (
            2019,
            "01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26",
        ),
        (
            2020,
            "01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28",
        ),
        (
            2021,
            "01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27 12-28",
        ),
        (
            2022,
            "01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27",
        ),
        (
            2023,
            "01-02 03-17 04-07 04-10 05-01 05-08 05-29 07-12 08-28 12-25 12-26",
        ),
        (
            2024,
            "01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26",
        ),
        (
            2025,
            "01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26",
        ),
        (
            2026,
            "01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28",
        ),
        (
            2027,
            "01-01 03-17 03-26 03-29 05-03 05-31 07-12 08-30 12-27 12-28",
        ),
        (
            2028,
            "01-03 03-17 04-14 04-17 05-01 05-29 07-12 08-28 12-25 12-26",
        ),
    ];

    fn gov_uk_list(region: Region) -> &'static [(i32, &'static str)] {
        match region {
            Region::EnglandAndWales => GOV_UK_ENGLAND_AND_WALES,
            Region::Scotland => GOV_UK_SCOTLAND,
            Region::NorthernIreland => GOV_UK_NORTHERN_IRELAND,
        }
    }

    fn gov_uk_dates(region: Region, year: i32) -> BTreeSet<NaiveDate> {
        let (_, days) = gov_uk_list(region)
            .iter()
            .find(|(y, _)| *y == year)
            .expect("the check list covers every official year");
        days.split_whitespace()
            .map(|md| {
                let (m, d) = md.split_once('-').expect("MM-DD");
                date(year, m.parse().expect("month"), d.parse().expect("day"))
            })
            .collect()
    }

    fn dates_of(holidays: &[BankHoliday]) -> BTreeSet<NaiveDate> {
        holidays.iter().map(|holiday| holiday.date).collect()
    }

    fn official_years() -> std::ops::RangeInclusive<i32> {
        FIRST_YEAR..=LAST_OFFICIAL_YEAR
    }

    #[test]
    fn check_list_covers_every_official_year_of_every_region() {
        for region in Region::ALL {
            let years: Vec<i32> = gov_uk_list(region).iter().map(|(y, _)| *y).collect();
            assert_eq!(years, official_years().collect::<Vec<_>>(), "{region}");
        }
    }

    #[test]
    fn every_official_table_row_is_a_real_date_with_no_duplicates() {
        for region in Region::ALL {
            let rows = official_rows(region);
            let dates: BTreeSet<NaiveDate> = rows
                .iter()
                .map(|&(y, m, d, _)| NaiveDate::from_ymd_opt(y, m, d).expect("valid row"))
                .collect();
            assert_eq!(dates.len(), rows.len(), "{region} has a duplicate row");
        }
    }

    #[test]
    fn official_bank_holidays_match_gov_uk_for_every_region_and_year() {
        for region in Region::ALL {
            for year in official_years() {
                let holidays = bank_holidays(region, year).expect("official year");
                assert_eq!(
                    dates_of(&holidays),
                    gov_uk_dates(region, year),
                    "{region} {year}"
                );
                assert_eq!(holidays.len(), gov_uk_dates(region, year).len());
            }
        }
    }

    #[test]
    fn official_holidays_are_never_at_a_weekend() {
        for region in Region::ALL {
            for year in official_years() {
                for holiday in bank_holidays(region, year).expect("official year") {
                    assert!(!is_weekend(holiday.date), "{region} {holiday:?}");
                }
            }
        }
    }

    /// The one-off changes gov.uk made to the standing rules, per region: (official-only dates,
    /// rule-only dates).
    fn one_offs(region: Region, year: i32) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        match (region, year) {
            // Early May bank holiday moved to Friday 8 May for the 75th anniversary of VE day.
            (_, 2020) => (vec![date(2020, 5, 8)], vec![date(2020, 5, 4)]),
            // Spring bank holiday moved to Thursday 2 June, and Friday 3 June added, for the
            // Platinum Jubilee; Monday 19 September for the Queen's state funeral.
            (_, 2022) => (
                vec![date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)],
                vec![date(2022, 5, 30)],
            ),
            // Monday 8 May for the coronation of King Charles III.
            (_, 2023) => (vec![date(2023, 5, 8)], vec![]),
            // Scotland only: Monday 15 June for the men's football World Cup.
            (Region::Scotland, 2026) => (vec![date(2026, 6, 15)], vec![]),
            _ => (vec![], vec![]),
        }
    }

    #[test]
    fn rules_reproduce_every_official_year_apart_from_the_one_offs() {
        for region in Region::ALL {
            for year in official_years() {
                let official = gov_uk_dates(region, year);
                let projected = dates_of(&projected_bank_holidays(region, year).expect("in range"));
                let only_official: Vec<NaiveDate> =
                    official.difference(&projected).copied().collect();
                let only_projected: Vec<NaiveDate> =
                    projected.difference(&official).copied().collect();
                assert_eq!(
                    (only_official, only_projected),
                    one_offs(region, year),
                    "{region} {year}"
                );
            }
        }
    }

    #[test]
    fn rules_give_the_same_names_and_substitute_days_as_the_official_table() {
        // gov.uk is inconsistent once: 1 January 2017 and 2023 were both Sundays, and it named the
        // Scottish days one way in 2017 and the other in 2023. The rules follow 2023 (and the
        // 1971 Act), so 2017's two days are the only names that may differ.
        let known_naming_difference = [date(2017, 1, 2), date(2017, 1, 3)];
        for region in Region::ALL {
            for year in official_years() {
                let projected = projected_bank_holidays(region, year).expect("in range");
                for holiday in bank_holidays(region, year).expect("official year") {
                    let Some(rule) = projected.iter().find(|p| p.date == holiday.date) else {
                        continue; // a one-off, checked above
                    };
                    if region == Region::Scotland && known_naming_difference.contains(&holiday.date)
                    {
                        assert_ne!(rule.name, holiday.name);
                        continue;
                    }
                    assert_eq!(rule.name, holiday.name, "{region} {}", holiday.date);
                }
            }
        }
    }

    fn name_on(region: Region, on: NaiveDate) -> Option<&'static str> {
        bank_holidays(region, on.year())?
            .into_iter()
            .find(|holiday| holiday.date == on)
            .map(|holiday| holiday.name)
    }

    #[test]
    fn one_off_holidays_are_in_every_region_with_gov_uk_titles() {
        for region in Region::ALL {
            assert_eq!(
                name_on(region, date(2020, 5, 8)),
                Some("Early May bank holiday (VE day)")
            );
            assert_eq!(name_on(region, date(2020, 5, 4)), None);
            assert_eq!(name_on(region, date(2022, 5, 30)), None);
            assert_eq!(
                name_on(region, date(2022, 6, 2)),
                Some("Spring bank holiday")
            );
            assert_eq!(
                name_on(region, date(2022, 6, 3)),
                Some("Platinum Jubilee bank holiday")
            );
            assert_eq!(
                name_on(region, date(2022, 9, 19)),
                Some("Bank Holiday for the State Funeral of Queen Elizabeth II")
            );
            assert_eq!(
                name_on(region, date(2023, 5, 8)),
                Some("Bank holiday for the coronation of King Charles III")
            );
        }
    }

    #[test]
    fn world_cup_bank_holiday_2026_is_scotland_only() {
        assert_eq!(
            name_on(Region::Scotland, date(2026, 6, 15)),
            Some("World Cup bank holiday")
        );
        assert_eq!(name_on(Region::EnglandAndWales, date(2026, 6, 15)), None);
        assert_eq!(name_on(Region::NorthernIreland, date(2026, 6, 15)), None);
    }

    #[test]
    fn substitute_days_follow_gov_uk() {
        use Region::*;
        let cases = [
            // Christmas on Saturday: both days move, Christmas first.
            (EnglandAndWales, date(2021, 12, 27), CHRISTMAS_SUB),
            (EnglandAndWales, date(2021, 12, 28), BOXING_SUB),
            // Christmas on Sunday: Boxing Day keeps Monday, Christmas takes Tuesday.
            (EnglandAndWales, date(2022, 12, 26), BOXING),
            (EnglandAndWales, date(2022, 12, 27), CHRISTMAS_SUB),
            // Boxing Day on Saturday: Monday.
            (NorthernIreland, date(2026, 12, 28), BOXING_SUB),
            (EnglandAndWales, date(2028, 1, 3), NEW_YEAR_SUB),
            (Scotland, date(2028, 1, 4), SECOND_JANUARY_SUB),
            (Scotland, date(2021, 1, 4), SECOND_JANUARY_SUB),
            (Scotland, date(2024, 12, 2), ST_ANDREW_SUB),
            (Scotland, date(2025, 12, 1), ST_ANDREW_SUB),
            (NorthernIreland, date(2024, 3, 18), ST_PATRICK_SUB),
            (NorthernIreland, date(2025, 7, 14), BOYNE_SUB),
        ];
        for (region, on, name) in cases {
            assert_eq!(name_on(region, on), Some(name), "{region} {on}");
        }
    }

    #[test]
    fn years_after_the_official_list_are_projected_by_the_rules() {
        assert_eq!(
            holiday_source(Region::EnglandAndWales, 2028),
            Some(HolidaySource::Official)
        );
        assert_eq!(
            holiday_source(Region::EnglandAndWales, 2029),
            Some(HolidaySource::Projected)
        );
        for region in Region::ALL {
            for year in LAST_OFFICIAL_YEAR + 1..=LAST_YEAR {
                assert_eq!(
                    bank_holidays(region, year),
                    projected_bank_holidays(region, year)
                );
            }
        }
        let e_and_w_2029: Vec<NaiveDate> = bank_holidays(Region::EnglandAndWales, 2029)
            .expect("projected")
            .iter()
            .map(|holiday| holiday.date)
            .collect();
        assert_eq!(
            e_and_w_2029,
            vec![
                date(2029, 1, 1),
                date(2029, 3, 30),
                date(2029, 4, 2),
                date(2029, 5, 7),
                date(2029, 5, 28),
                date(2029, 8, 27),
                date(2029, 12, 25),
                date(2029, 12, 26),
            ]
        );
        // 30 November 2030 is a Saturday.
        assert_eq!(
            name_on(Region::Scotland, date(2030, 12, 2)),
            Some(ST_ANDREW_SUB)
        );
        // 1 January 2034 is a Sunday: Scotland's two days move to Monday and Tuesday.
        assert_eq!(
            name_on(Region::Scotland, date(2034, 1, 2)),
            Some(NEW_YEAR_SUB)
        );
        assert_eq!(
            name_on(Region::Scotland, date(2034, 1, 3)),
            Some(SECOND_JANUARY_SUB)
        );
        // 17 March 2040 is a Saturday.
        assert_eq!(
            name_on(Region::NorthernIreland, date(2040, 3, 19)),
            Some(ST_PATRICK_SUB)
        );
    }

    #[test]
    fn years_outside_the_supported_range_have_no_list() {
        for region in Region::ALL {
            assert_eq!(bank_holidays(region, FIRST_YEAR - 1), None);
            assert_eq!(bank_holidays(region, LAST_YEAR + 1), None);
            assert_eq!(projected_bank_holidays(region, LAST_YEAR + 1), None);
            assert_eq!(holiday_source(region, 1999), None);
        }
    }

    #[test]
    fn easter_computus_gives_known_easter_sundays() {
        let known = [
            date(2015, 4, 5),
            date(2019, 4, 21),
            date(2024, 3, 31),
            date(2025, 4, 20),
            date(2030, 4, 21),
            date(2035, 3, 25),
            date(2038, 4, 25),
            date(2040, 4, 1),
        ];
        for sunday in known {
            assert_eq!(easter_sunday(sunday.year()), Some(sunday));
        }
    }

    #[test]
    fn regions_parse_from_their_snake_case_names() {
        for region in Region::ALL {
            assert_eq!(Region::parse(region.as_str()), Some(region));
        }
        assert_eq!(
            Region::parse(" England_And_Wales "),
            Some(Region::EnglandAndWales)
        );
        assert_eq!(
            Region::parse("northern-ireland"),
            Some(Region::NorthernIreland)
        );
        assert_eq!(Region::parse("wales"), None);
        assert_eq!(Region::parse(""), None);
    }

    #[test]
    fn regions_deserialise_from_snake_case() {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        for region in Region::ALL {
            let input: StrDeserializer<Error> = region.as_str().into_deserializer();
            assert_eq!(Region::deserialize(input), Ok(region));
        }
        let input: StrDeserializer<Error> = "EnglandAndWales".into_deserializer();
        assert!(Region::deserialize(input).is_err());
    }
}
