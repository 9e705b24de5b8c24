"""Forms that show only what applies (static/js/dependent_fields.js), in a real browser: the record
form's serial number and label boxes, its custodians by department, the hold form's scopes."""

from playwright.sync_api import expect


def test_the_record_form_shows_only_what_applies(journey):
    rita = journey.as_user("rita")
    journey.go(rita, "/records/new/")
    serial = rita.get_by_label("Media serial number:", exact=True)
    expect(serial).to_be_hidden()  # paper, the default: no serial number
    rita.get_by_label("Medium:", exact=True).select_option("usb_drive")
    expect(serial).to_be_visible()
    rita.get_by_label("Medium:", exact=True).select_option("file_share")
    expect(serial).to_be_hidden()

    seen = rita.get_by_label("I have seen the word CONFIDENTIAL", exact=False)
    document = rita.get_by_label("Document to check:", exact=True)
    expect(seen).to_be_hidden()
    expect(document).to_be_hidden()
    rita.get_by_label("Visual check of the document or medium").check()
    expect(seen).to_be_visible()
    expect(document).to_be_hidden()
    rita.get_by_label("File check by CPNI Track").check()
    expect(seen).to_be_hidden()
    expect(document).to_be_visible()

    # The custodians offered are the people of the department chosen, never Network Operations' director.
    rita.get_by_label("Department:", exact=True).select_option(label="Billing")
    custodians = rita.get_by_label("Custodian:", exact=True)
    offered = custodians.locator("option:not([hidden])").all_inner_texts()
    assert offered and all(text == "---------" or text.endswith("(Billing)") for text in offered), offered
    rita.get_by_label("Department:", exact=True).select_option(label="Network Operations")
    offered = custodians.locator("option:not([hidden])").all_inner_texts()
    assert any("Dave Morales" in text for text in offered) and not any("Nate" in text for text in offered), offered
    journey.shot(rita, "record-form-what-applies")

    # Every problem of a submission is listed at once.
    rita.get_by_label("Medium:", exact=True).select_option("usb_drive")
    rita.get_by_role("button", name="Log record").click()
    expect(rita.get_by_text("This field is required.").first).to_be_visible()
    expect(rita.get_by_text("A USB drive needs its serial number.")).to_be_visible()
    expect(rita.get_by_text("Choose the document to check for its CONFIDENTIAL marking.")).to_be_visible()


def test_the_hold_form_shows_the_chosen_scopes_field_only(journey):
    rita = journey.as_user("rita")
    journey.go(rita, "/holds/new/")
    fields = {
        "The records I list": rita.get_by_label("Record references:", exact=True),
        "Every record of a retention schedule": rita.get_by_label("Schedule:", exact=True),
        "Every record of a department": rita.get_by_label("Department:", exact=True),
        "Every record of a customer reference": rita.get_by_label("Customer reference:", exact=True),
    }
    for scope, field in fields.items():
        rita.get_by_label(scope).check()
        for other, other_field in fields.items():
            (expect(other_field).to_be_visible if other == scope else expect(other_field).to_be_hidden)()
