"""The CONFIDENTIAL label check page and the stamped copy."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from records import labels, services, stamped_copies
from records.forms import LabelDocumentForm
from records.models import LabelCheck
from records.ratelimits import rate_limited
from records.uploads import accepts_upload


@accepts_upload("LABEL_CHECK_MAX_BYTES")
@permission_required("records.add_labelcheck", raise_exception=True)
@rate_limited("label_check")
def label_check(request):
    form = LabelDocumentForm(request.POST or None, request.FILES or None)
    check = stamped = None
    if request.method == "POST" and form.is_valid():
        file_name, data = form.cleaned_data["document"]
        try:
            check = services.label_document_check(actor=request.user, file_name=file_name, data=data)
        except ValidationError as error:
            form.add_error("document", error)
        else:
            if check.outcome == LabelCheck.Outcome.NOT_LABELLED:
                stamped = stamped_copies.stamped_copy_link(actor=request.user, file_name=file_name, data=data)
    return render(request, "records/label_check.html", {"form": form, "check": check, "stamped": stamped})


@accepts_upload("LABEL_CHECK_MAX_BYTES")
@require_POST
@permission_required("records.add_labelcheck", raise_exception=True)
@rate_limited("label_check")
def label_stamp(request):
    """Return a copy of the uploaded document stamped CONFIDENTIAL; the document is not kept. A
    document already marked gets no copy: the page says so."""
    form = LabelDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        file_name, data = form.cleaned_data["document"]
        try:
            check = services.label_document_read(file_name=file_name, data=data)  # not recorded: nothing is attested
            if check.labelled:
                form.add_error("document", f"{file_name} is already marked CONFIDENTIAL ({check.reason}): it needs no "
                                           "stamped copy.")
                return render(request, "records/label_check.html", {"form": form, "check": None})
            stamped = services.label_document_stamp(actor=request.user, file_name=file_name, data=data)
        except labels.StampError as error:
            form.add_error("document", str(error))
        except ValidationError as error:
            form.add_error("document", error)
        else:
            response = HttpResponse(stamped.content, content_type=stamped.content_type)
            response["Content-Disposition"] = content_disposition_header(True, stamped.file_name)
            return response
    return render(request, "records/label_check.html", {"form": form, "check": None}, status=400)
