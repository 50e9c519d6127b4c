DROP TABLE case_document_contents;
DROP TABLE case_documents;
