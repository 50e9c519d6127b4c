//! Every word the reference form shows, in English and Welsh (a Welsh speaker should review
//! the Welsh before a council uses it, as for the letters). One table, so no page can have a
//! sentence in one language only.

use std::collections::BTreeMap;

/// The form's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Cy,
}

impl Lang {
    /// `?lang=cy` asks for Welsh; anything else is English.
    pub fn from_query(value: Option<&str>) -> Lang {
        match value {
            Some("cy") => Lang::Cy,
            _ => Lang::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    pub fn letters(self) -> crate::domain::letter::Language {
        match self {
            Lang::En => crate::domain::letter::Language::English,
            Lang::Cy => crate::domain::letter::Language::Welsh,
        }
    }
}

/// `(key, English, Welsh)`.
const TEXT: &[(&str, &str, &str)] = &[
    ("service_name", "Feedback to the council", "Adborth i'r cyngor"),
    ("skip", "Skip to main content", "Neidio i'r prif gynnwys"),
    ("language_nav", "Language", "Iaith"),
    ("other_language", "Cymraeg", "English"),
    ("error_prefix", "Error:", "Gwall:"),
    ("error_title", "There is a problem", "Mae problem wedi codi"),
    ("optional", "(optional)", "(dewisol)"),
    ("yes", "Yes", "Ydw"),
    ("no", "No", "Nac ydw"),
    ("send", "Send", "Anfon"),
    ("footer", "Your feedback is kept by the council under its privacy notice.", "Mae'r cyngor yn cadw eich adborth o dan ei hysbysiad preifatrwydd."),
    // The start page.
    ("index_title", "Tell the council what you think", "Dweud wrth y cyngor beth yw eich barn"),
    ("index_intro", "Choose what you would like to do.", "Dewiswch beth hoffech ei wneud."),
    ("complaint_link", "Make a complaint", "Gwneud cwyn"),
    ("complaint_link_hint", "Something went wrong, or a service was not good enough.", "Aeth rhywbeth o'i le, neu nid oedd gwasanaeth yn ddigon da."),
    ("compliment_link", "Give a compliment", "Rhoi canmoliaeth"),
    ("compliment_link_hint", "Thank a service or a member of staff.", "Diolch i wasanaeth neu aelod o staff."),
    ("comment_link", "Make a comment or suggestion", "Gwneud sylw neu awgrym"),
    ("comment_link_hint", "An idea or a view on a service.", "Syniad neu farn am wasanaeth."),
    // Each form's heading.
    ("complaint_title", "Make a complaint", "Gwneud cwyn"),
    ("compliment_title", "Give a compliment", "Rhoi canmoliaeth"),
    ("comment_title", "Make a comment or suggestion", "Gwneud sylw neu awgrym"),
    ("complaint_intro", "Tell us what went wrong. We will acknowledge your complaint and tell you when to expect our response.", "Dywedwch wrthym beth aeth o'i le. Byddwn yn cydnabod eich cwyn ac yn dweud wrthych pryd i ddisgwyl ein hymateb."),
    ("compliment_intro", "Tell us what went well, so that we can thank the people involved.", "Dywedwch wrthym beth aeth yn dda, fel y gallwn ddiolch i'r bobl dan sylw."),
    ("comment_intro", "Tell us your idea or view, so that we can improve our services.", "Dywedwch wrthym eich syniad neu'ch barn, fel y gallwn wella ein gwasanaethau."),
    // The feedback itself.
    ("about_heading", "Your feedback", "Eich adborth"),
    ("service_label", "Which service is it about?", "Am ba wasanaeth y mae?"),
    ("service_choose", "Choose a service", "Dewiswch wasanaeth"),
    ("summary_label", "Summary", "Crynodeb"),
    ("summary_hint", "In a sentence, for example: Green bin missed three weeks running.", "Mewn brawddeg, er enghraifft: Bin gwyrdd heb ei gasglu am dair wythnos yn olynol."),
    ("description_label", "Tell us what happened", "Dywedwch wrthym beth ddigwyddodd"),
    ("description_hint", "Include dates, places and the names of anyone involved, if you know them.", "Rhowch ddyddiadau, lleoedd ac enwau unrhyw un dan sylw, os ydych yn eu gwybod."),
    ("desired_outcome_label", "What would you like the council to do?", "Beth hoffech i'r cyngor ei wneud?"),
    ("staff_named_label", "Who would you like to compliment?", "Pwy hoffech chi eu canmol?"),
    ("staff_named_hint", "The names of the staff, separated by commas.", "Enwau'r staff, wedi'u gwahanu gan atalnodau."),
    ("response_requested_legend", "Would you like a reply?", "Hoffech chi gael ateb?"),
    // The person.
    ("person_heading", "Contact details", "Manylion cyswllt"),
    ("person_hint", "If you are writing for someone else, give their details here and yours further down.", "Os ydych yn ysgrifennu ar ran rhywun arall, rhowch eu manylion nhw yma a'ch rhai chi isod."),
    ("name_label", "Full name", "Enw llawn"),
    ("email_label", "Email address", "Cyfeiriad e-bost"),
    ("phone_label", "Telephone number", "Rhif ffôn"),
    ("phone_hint", "For international numbers include the country code.", "Ar gyfer rhifau rhyngwladol, rhowch god y wlad."),
    ("address_label", "Postal address", "Cyfeiriad post"),
    ("postcode_label", "Postcode", "Cod post"),
    ("contact_hint_complaint", "Give at least one of an email address, a telephone number or a postal address, so that we can reply.", "Rhowch o leiaf un o'r canlynol: cyfeiriad e-bost, rhif ffôn neu gyfeiriad post, fel y gallwn ateb."),
    ("preferred_contact_legend", "How would you like us to contact you?", "Sut hoffech i ni gysylltu â chi?"),
    ("contact_email", "Email", "E-bost"),
    ("contact_telephone", "Telephone", "Ffôn"),
    ("contact_letter", "Letter", "Llythyr"),
    // Accessibility.
    ("adjustments_legend", "Do you need any help or adjustments to take part?", "Oes angen unrhyw help neu addasiadau arnoch i gymryd rhan?"),
    ("adjustments_hint", "We will make reasonable adjustments. Select all that apply.", "Byddwn yn gwneud addasiadau rhesymol. Dewiswch bob un sy'n berthnasol."),
    ("large_print", "Letters in large print", "Llythyrau mewn print bras"),
    ("audio", "Letters as audio", "Llythyrau ar ffurf sain"),
    ("interpreter_language_label", "Language you need an interpreter for", "Yr iaith y mae angen cyfieithydd arnoch ar ei chyfer"),
    ("other_adjustments_label", "Any other adjustments you need", "Unrhyw addasiadau eraill sydd eu hangen arnoch"),
    // Representation.
    ("who_legend", "Are you writing on behalf of someone else?", "Ydych chi'n ysgrifennu ar ran rhywun arall?"),
    ("who_hint", "For example a relative, a councillor or an advocate, with their agreement.", "Er enghraifft perthynas, cynghorydd neu eiriolwr, gyda'u cytundeb."),
    ("rep_heading", "If you are writing on behalf of someone else", "Os ydych yn ysgrifennu ar ran rhywun arall"),
    ("rep_name_label", "Your full name", "Eich enw llawn"),
    ("rep_relationship_label", "Your relationship to them", "Eich perthynas â nhw"),
    ("rep_relationship_hint", "For example: daughter, councillor, advocate.", "Er enghraifft: merch, cynghorydd, eiriolwr."),
    ("rep_organisation_label", "Your organisation", "Eich sefydliad"),
    ("rep_email_label", "Your email address", "Eich cyfeiriad e-bost"),
    ("rep_phone_label", "Your telephone number", "Eich rhif ffôn"),
    ("consent_legend", "Their agreement", "Eu cytundeb"),
    ("consent_to_act", "They have agreed that I can act for them", "Maen nhw wedi cytuno y caf weithredu ar eu rhan"),
    ("consent_to_release_information", "They agree that the council can tell me about their case", "Maen nhw'n cytuno y caiff y cyngor ddweud wrthyf am eu hachos"),
    // The character count, for its script.
    ("count_under_one", "You have %{count} character remaining", "Mae gennych %{count} nod ar ôl"),
    ("count_under_other", "You have %{count} characters remaining", "Mae gennych %{count} o nodau ar ôl"),
    ("count_over_one", "You have %{count} character too many", "Mae gennych %{count} nod yn ormod"),
    ("count_over_other", "You have %{count} characters too many", "Mae gennych %{count} o nodau yn ormod"),
    ("count_at", "You have 0 characters remaining", "Mae gennych 0 nod ar ôl"),
    ("count_info", "You can enter up to %{count} characters", "Gallwch roi hyd at %{count} o nodau"),
    // The confirmation.
    ("complaint_sent", "Complaint received", "Cwyn wedi dod i law"),
    ("compliment_sent", "Compliment received", "Canmoliaeth wedi dod i law"),
    ("comment_sent", "Comment received", "Sylw wedi dod i law"),
    ("reference_is", "Your reference number", "Eich cyfeirnod"),
    ("keep_reference", "Keep this reference: quote it if you contact us about this.", "Cadwch y cyfeirnod hwn: dyfynnwch ef os byddwch yn cysylltu â ni am hyn."),
    ("next_heading", "What happens next", "Beth sy'n digwydd nesaf"),
    ("next_complaint", "We will acknowledge your complaint by", "Byddwn yn cydnabod eich cwyn erbyn"),
    ("next_reply", "We will acknowledge your feedback by", "Byddwn yn cydnabod eich adborth erbyn"),
    ("next_complaint_after", "We will then look into it and tell you when to expect our response.", "Byddwn wedyn yn ymchwilio iddi ac yn dweud wrthych pryd i ddisgwyl ein hymateb."),
    ("next_no_reply", "We will pass your feedback to the service. You asked for no reply, so we will not contact you about it.", "Byddwn yn trosglwyddo eich adborth i'r gwasanaeth. Gofynnoch am ddim ateb, felly ni fyddwn yn cysylltu â chi amdano."),
    ("another", "Send more feedback", "Anfon mwy o adborth"),
    // Refusals.
    ("refused_title", "Sorry, there is a problem with the service", "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth"),
    ("refused_cross_site", "Your form could not be sent from that page. Go back to the form and send it again.", "Nid oedd modd anfon eich ffurflen o'r dudalen honno. Ewch yn ôl at y ffurflen a'i hanfon eto."),
    ("refused_later", "Try again later. Your feedback has not been sent.", "Rhowch gynnig arall arni yn nes ymlaen. Nid yw eich adborth wedi'i anfon."),
    ("refused_reused", "This form was already sent with other answers. Start again to send new feedback.", "Mae'r ffurflen hon eisoes wedi'i hanfon gydag atebion eraill. Dechreuwch eto i anfon adborth newydd."),
    ("back_to_start", "Go to the start", "Mynd i'r dechrau"),
    // Error messages, as the Design System writes them.
    ("err_service_required", "Select the service your feedback is about", "Dewiswch y gwasanaeth y mae eich adborth yn ymwneud ag ef"),
    ("err_summary_required", "Enter a summary", "Rhowch grynodeb"),
    ("err_summary_too_long", "Summary must be 200 characters or fewer", "Rhaid i'r crynodeb fod yn 200 nod neu lai"),
    ("err_description_required", "Enter what happened", "Rhowch beth ddigwyddodd"),
    ("err_description_too_long", "What happened must be 10000 characters or fewer", "Rhaid i beth ddigwyddodd fod yn 10000 nod neu lai"),
    ("err_desired_outcome_too_long", "What you would like the council to do must be 5000 characters or fewer", "Rhaid i'r hyn yr hoffech i'r cyngor ei wneud fod yn 5000 nod neu lai"),
    ("err_staff_named_invalid", "Enter at most 20 names, each 200 characters or fewer, separated by commas", "Rhowch hyd at 20 enw, pob un yn 200 nod neu lai, wedi'u gwahanu gan atalnodau"),
    ("err_response_requested_required", "Select yes if you would like a reply", "Dewiswch ydw os hoffech gael ateb"),
    ("err_name_required", "Enter a full name", "Rhowch enw llawn"),
    ("err_name_too_long", "Full name must be 200 characters or fewer", "Rhaid i'r enw llawn fod yn 200 nod neu lai"),
    ("err_email_required", "Enter an email address, a telephone number or a postal address", "Rhowch gyfeiriad e-bost, rhif ffôn neu gyfeiriad post"),
    ("err_email_invalid", "Enter an email address in the correct format, like name@example.com", "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com"),
    ("err_email_too_long", "Email address must be 254 characters or fewer", "Rhaid i'r cyfeiriad e-bost fod yn 254 nod neu lai"),
    ("err_email_for_contact", "Enter an email address, or choose another way to be contacted", "Rhowch gyfeiriad e-bost, neu dewiswch ffordd arall o gysylltu â chi"),
    ("err_phone_for_contact", "Enter a telephone number, or choose another way to be contacted", "Rhowch rif ffôn, neu dewiswch ffordd arall o gysylltu â chi"),
    ("err_address_for_contact", "Enter a postal address, or choose another way to be contacted", "Rhowch gyfeiriad post, neu dewiswch ffordd arall o gysylltu â chi"),
    ("err_phone_required", "Enter a telephone number", "Rhowch rif ffôn"),
    ("err_phone_invalid", "Enter a telephone number, like 01632 960 001 or 07700 900 982", "Rhowch rif ffôn, fel 01632 960 001 neu 07700 900 982"),
    ("err_address_required", "Enter a postal address", "Rhowch gyfeiriad post"),
    ("err_address_too_long", "Postal address must be 500 characters or fewer", "Rhaid i'r cyfeiriad post fod yn 500 nod neu lai"),
    ("err_postcode_too_long", "Enter a real postcode", "Rhowch god post go iawn"),
    ("err_interpreter_language_too_long", "Language must be 100 characters or fewer", "Rhaid i'r iaith fod yn 100 nod neu lai"),
    ("err_other_adjustments_too_long", "Other adjustments must be 1000 characters or fewer", "Rhaid i addasiadau eraill fod yn 1000 nod neu lai"),
    ("err_who_required", "Select yes if you are writing on behalf of someone else", "Dewiswch ydw os ydych yn ysgrifennu ar ran rhywun arall"),
    ("err_rep_name_required", "Enter your full name", "Rhowch eich enw llawn"),
    ("err_rep_name_too_long", "Your full name must be 200 characters or fewer", "Rhaid i'ch enw llawn fod yn 200 nod neu lai"),
    ("err_rep_relationship_too_long", "Your relationship must be 100 characters or fewer", "Rhaid i'ch perthynas fod yn 100 nod neu lai"),
    ("err_rep_organisation_too_long", "Your organisation must be 200 characters or fewer", "Rhaid i'ch sefydliad fod yn 200 nod neu lai"),
    ("err_rep_email_invalid", "Enter your email address in the correct format, like name@example.com", "Rhowch eich cyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com"),
    ("err_rep_phone_invalid", "Enter your telephone number, like 01632 960 001 or 07700 900 982", "Rhowch eich rhif ffôn, fel 01632 960 001 neu 07700 900 982"),
    ("err_consent_to_act_required", "Confirm that they have agreed that you can act for them", "Cadarnhewch eu bod wedi cytuno y cewch weithredu ar eu rhan"),
    ("err_generic", "Check this answer", "Gwiriwch yr ateb hwn"),
];

/// The words of one language, by key, for the templates (`t.summary_label`).
pub fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    TEXT.iter()
        .map(|(key, en, cy)| (*key, if lang == Lang::Cy { *cy } else { *en }))
        .collect()
}

/// One message, by key; the key itself if it is missing (a test holds that none is).
pub fn word(lang: Lang, key: &str) -> &'static str {
    TEXT.iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, cy)| if lang == Lang::Cy { *cy } else { *en })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_is_in_both_languages_once() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, en, cy) in TEXT {
            assert!(keys.insert(*key), "{key} twice");
            assert!(!en.trim().is_empty() && !cy.trim().is_empty(), "{key}");
        }
    }
}
